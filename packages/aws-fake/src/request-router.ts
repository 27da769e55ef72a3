import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { INSTANCE_S3_PREFIX } from "./aws-cli-shim.js";
import type { Ec2Service } from "./ec2-service.js";
import { type S3Service, s3IamAction, s3Operation } from "./s3-service.js";
import { checkSignature, type FakeCredentials, type SignatureCheck } from "./sigv4.js";
import { FAKE_ACCOUNT_ID, type SsmService } from "./ssm-service.js";
import { AwsError, ec2Error, jsonError, s3Error, type WireResponse } from "./wire.js";

/** A fake credential, optionally denied some IAM actions (`ssm:SendCommand`, `ec2:RunInstances`...). */
export interface FakeCredentialEntry extends FakeCredentials {
  /** IAM actions this key is not allowed to call; the fake answers with the service's access-denied error. */
  deny?: string[];
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, answer: WireResponse): void {
  const body = typeof answer.body === "string" ? Buffer.from(answer.body, "utf8") : answer.body;
  response.writeHead(answer.status, { "content-length": String(body.length), ...answer.headers });
  response.end(body);
}

type Protocol = "ssm" | "ec2" | "s3";

function protocolOf(request: IncomingMessage, body: Buffer): Protocol {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.startsWith("AmazonSSM.")) return "ssm";
  if (
    request.method === "POST" &&
    request.url === "/" &&
    String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") &&
    body.toString("utf8", 0, 7) === "Action="
  ) {
    return "ec2";
  }
  return "s3";
}

function operationOf(protocol: Protocol, request: IncomingMessage, body: Buffer): string {
  if (protocol === "ssm") return String(request.headers["x-amz-target"]).slice("AmazonSSM.".length);
  if (protocol === "ec2") return new URLSearchParams(body.toString("utf8")).get("Action") ?? "";
  const target = new URL(request.url ?? "/", "http://aws-fake");
  const key = target.pathname.split("/").slice(2).join("/");
  const method = request.method ?? "GET";
  return s3Operation(method, key, target.searchParams) ?? method;
}

const REJECTIONS: Record<Protocol, Record<Exclude<SignatureCheck, { ok: true }>["reason"], AwsError>> = {
  ssm: {
    missing: new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token"),
    malformed: new AwsError(
      "IncompleteSignatureException",
      "The request signature does not conform to AWS standards.",
    ),
    "unknown-key": new AwsError(
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    ),
    mismatch: new AwsError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
    "bad-region": new AwsError("InvalidSignatureException", "Credential should be scoped to a valid region."),
  },
  ec2: {
    missing: new AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
    malformed: new AwsError(
      "AuthFailure",
      "AWS was not able to validate the provided access credentials",
      401,
    ),
    "unknown-key": new AwsError(
      "AuthFailure",
      "AWS was not able to validate the provided access credentials",
      401,
    ),
    mismatch: new AwsError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      403,
    ),
    "bad-region": new AwsError("AuthFailure", "Credential should be scoped to a valid region.", 401),
  },
  s3: {
    missing: new AwsError("AccessDenied", "Access Denied", 403),
    malformed: new AwsError("AuthorizationHeaderMalformed", "The authorization header is malformed.", 400),
    "unknown-key": new AwsError(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      403,
    ),
    mismatch: new AwsError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      403,
    ),
    "bad-region": new AwsError(
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; the region is wrong.",
      400,
    ),
  },
};

function denied(protocol: Protocol, action: string): AwsError {
  const who = `User: arn:aws:iam::${FAKE_ACCOUNT_ID}:user/aws-fake is not authorized to perform: ${action}`;
  if (protocol === "ssm")
    return new AwsError(
      "AccessDeniedException",
      `${who} because no identity-based policy allows the ${action} action`,
    );
  if (protocol === "ec2")
    return new AwsError(
      "UnauthorizedOperation",
      `You are not authorized to perform this operation. ${who}`,
      403,
    );
  return new AwsError("AccessDenied", "Access Denied", 403);
}

function errorResponse(protocol: Protocol, error: AwsError): WireResponse {
  if (protocol === "ssm") return jsonError(error);
  if (protocol === "ec2") return ec2Error(error);
  return s3Error(error);
}

/** What the router hands requests to, and what it counts. */
export interface RouterParts {
  credentials: readonly FakeCredentialEntry[];
  ssm: SsmService;
  ec2: Ec2Service;
  s3: S3Service;
  /** Every request received, by operation; the router adds to it. */
  calls: Map<string, number>;
}

async function route(parts: RouterParts, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const url = request.url ?? "/";
  if (url.startsWith(INSTANCE_S3_PREFIX)) {
    // The instances' own S3 access (their instance role), used by the `aws s3 cp` stand-in.
    send(
      response,
      parts.s3.handle(request.method ?? "GET", `/${url.slice(INSTANCE_S3_PREFIX.length)}`, {}, body),
    );
    return;
  }
  const protocol = protocolOf(request, body);
  const operation = operationOf(protocol, request, body);
  parts.calls.set(operation, (parts.calls.get(operation) ?? 0) + 1);
  const check = checkSignature(
    { method: request.method ?? "GET", url, headers: request.headers, body },
    parts.credentials,
  );
  if (!check.ok) {
    send(response, errorResponse(protocol, REJECTIONS[protocol][check.reason]));
    return;
  }
  const action = protocol === "s3" ? s3IamAction(operation) : `${protocol}:${operation}`;
  const entry = parts.credentials.find((candidate) => candidate.accessKeyId === check.accessKeyId);
  if (entry?.deny?.includes(action)) {
    send(response, errorResponse(protocol, denied(protocol, action)));
    return;
  }
  if (protocol === "ssm") send(response, await parts.ssm.handle(operation, body));
  else if (protocol === "ec2") send(response, parts.ec2.handle(body));
  else send(response, parts.s3.handle(request.method ?? "GET", url, request.headers, body));
}

/**
 * The fake's HTTP handler: tells SSM, EC2 and S3 requests apart, counts them, checks their
 * signature and the key's denied actions, and hands them to the service; a crash answers 500.
 */
export function createRequestListener(parts: RouterParts): RequestListener {
  return (request, response) => {
    route(parts, request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, jsonError(new AwsError("InternalServerError", `aws-fake: ${String(error)}`, 500)));
      }
    });
  };
}
