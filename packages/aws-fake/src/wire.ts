import { randomUUID } from "node:crypto";

/** An AWS error as the fake sends it: the protocol decides how `code` and `message` are written. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.status = status;
  }
}

/** What a service handler answers: a status, headers and a body. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A new request id, as AWS sends in `x-amzn-RequestId` / `<RequestID>`. */
export function requestId(): string {
  return randomUUID();
}

/** An AWS JSON 1.1 success response. */
export function jsonResponse(output: unknown, id = requestId()): WireResponse {
  return {
    status: 200,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": id },
    body: JSON.stringify(output),
  };
}

/** An AWS JSON 1.1 error response (`__type` and `message`, as SSM sends them). */
export function jsonError(error: AwsError, id = requestId()): WireResponse {
  return {
    status: error.status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": id },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/** Escapes text for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A value the XML writer turns into elements: objects become children, arrays `<item>` lists. */
export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [name: string]: XmlValue };

/** Writes `value` as the children of an element, EC2/S3 style (`undefined` members are left out). */
export function toXml(value: XmlValue, itemName = "item"): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => `<${itemName}>${toXml(item)}</${itemName}>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([name, child]) => `<${name}>${toXml(child)}</${name}>`)
      .join("");
  }
  return escapeXml(String(value));
}

/** An EC2 Query success response: the output members straight under `<OpResponse>`. */
export function ec2Response(action: string, members: { [name: string]: XmlValue }): WireResponse {
  const id = requestId();
  return {
    status: 200,
    headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": id },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${id}</requestId>${toXml(members)}</${action}Response>`,
  };
}

/** An EC2 Query error response (`<Response><Errors><Error>` and `<RequestID>`). */
export function ec2Error(error: AwsError): WireResponse {
  const id = requestId();
  return {
    status: error.status,
    headers: { "content-type": "text/xml;charset=UTF-8" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
  };
}

/** An S3 REST error response (`<Error>` with the matching HTTP status). */
export function s3Error(error: AwsError, resource = ""): WireResponse {
  const id = requestId();
  return {
    status: error.status,
    headers: { "content-type": "application/xml", "x-amz-request-id": id },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${id}</RequestId></Error>`,
  };
}
