/** Options of {@link buildNodeImage}. */
export interface NodeImageOptions {
  /** The service's folder, copied to /app in the image (node_modules left out). */
  serviceFolder: string;
  /** The file node runs, relative to the folder. */
  entry: string;
  /** The image's name; its tag is a hash of what goes in. */
  name: string;
  /** ENV lines of the image. */
  env?: Record<string, string>;
  /** The docker CLI (default `docker`). */
  docker?: string;
}
/**
 * Builds (or reuses, when its content-hash tag exists) an image `FROM scratch` with this machine's
 * node binary and its libraries, running `node /app/<entry>`. No registry is needed.
 */
export declare function buildNodeImage(options: NodeImageOptions): { image: string; built: boolean };
