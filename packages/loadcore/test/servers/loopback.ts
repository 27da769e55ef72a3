// The loopback server every package's tests share, from the private @sizer/test-utils package.
export { type LoopbackServer, readBody, startLoopbackServer } from "@sizer/test-utils";
