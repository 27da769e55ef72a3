export { NO_ENGINE_NOTE, type ProcessImage } from "./docker-process-shim.js";
export type { FaultPlan, ThrottleRule } from "./faults.js";
export type { FakeInstance, FakeInstanceType, FakeSecurityGroup, InstanceStateName } from "./fleet.js";
export type { FakeCredentialEntry } from "./request-router.js";
export type { FakeObject, PayloadMode } from "./s3-service.js";
export type { AwsFake, AwsFakeOptions } from "./server.js";
export { DEFAULT_FAKE_CREDENTIALS, managedInstances, startAwsFake } from "./server.js";
export type { FakeCredentials, SignatureCheck, SignedRequest } from "./sigv4.js";
export type { FakeCommand, FakeInvocation } from "./ssm-service.js";
