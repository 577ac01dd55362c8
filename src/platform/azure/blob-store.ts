/**
 * BlobStore on Azure Blob Storage (@azure/storage-blob); Azurite locally. Same connection rules as the
 * Table adapter. Container names: STATE_TABLE_PREFIX + "-" + the logical name, lower-cased
 * ("settlements" -> "amz-settlements"); containers are created (private) on first use.
 */
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { ValidationError } from "../errors";
import type { BlobStore } from "../ports";
import { mapRestError, statusOf } from "./rest-errors";
import type { StorageTarget } from "./table-state";

const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

export function physicalContainerName(prefix: string, container: string): string {
  const name = `${prefix}-${container}`.toLowerCase().replace(/_/g, "-");
  if (!CONTAINER_NAME.test(name)) {
    throw new ValidationError(
      "blobs.containerName",
      `"${name}" is not a valid container name (lower-case letters, digits and single hyphens, 3-63 characters): check STATE_TABLE_PREFIX and "${container}"`,
      { where: "STATE_TABLE_PREFIX" },
    );
  }
  return name;
}

export class AzureBlobStore implements BlobStore {
  private readonly service: BlobServiceClient;
  private readonly created = new Map<string, Promise<ContainerClient>>();

  constructor(private readonly options: { target: StorageTarget; prefix: string }) {
    const t = options.target;
    if ("connectionString" in t) {
      // Azurite speaks http; the Blob SDK accepts that from a connection string without an extra flag.
      this.service = BlobServiceClient.fromConnectionString(t.connectionString);
    } else {
      this.service = new BlobServiceClient(t.endpoint ?? `https://${t.accountName}.blob.core.windows.net`, t.credential);
    }
  }

  private container(container: string): Promise<ContainerClient> {
    const name = physicalContainerName(this.options.prefix, container);
    let p = this.created.get(name);
    if (!p) {
      const client = this.service.getContainerClient(name);
      p = client.createIfNotExists().then(
        () => client,
        (err: unknown) => {
          this.created.delete(name);
          throw mapRestError(err, "blobs", `container ${name}`);
        },
      );
      this.created.set(name, p);
    }
    return p;
  }

  async put(container: string, name: string, content: Uint8Array, contentType = "application/octet-stream"): Promise<void> {
    const c = await this.container(container);
    try {
      await c.getBlockBlobClient(name).uploadData(content, { blobHTTPHeaders: { blobContentType: contentType } });
    } catch (err) {
      throw mapRestError(err, "blobs", `blob ${c.containerName}/${name}`);
    }
  }

  async get(container: string, name: string): Promise<Uint8Array | undefined> {
    const c = await this.container(container);
    try {
      return new Uint8Array(await c.getBlockBlobClient(name).downloadToBuffer());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapRestError(err, "blobs", `blob ${c.containerName}/${name}`);
    }
  }

  async stream(container: string, name: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const c = await this.container(container);
    const where = `blob ${c.containerName}/${name}`;
    let body: NodeJS.ReadableStream | undefined;
    try {
      // download() streams the body; on a broken connection the SDK resumes from the last byte it handed out
      // (up to maxRetryRequests times) instead of failing the whole read.
      body = (await c.getBlockBlobClient(name).download(0, undefined, { maxRetryRequests: 5 })).readableStreamBody;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapRestError(err, "blobs", where);
    }
    if (!body) throw new Error(`${where}: the download has no Node.js stream body`);
    const chunks = body as AsyncIterable<Buffer>;
    return (async function* () {
      try {
        for await (const chunk of chunks) yield chunk;
      } catch (err) {
        throw mapRestError(err, "blobs", where);
      }
    })();
  }

  async exists(container: string, name: string): Promise<boolean> {
    const c = await this.container(container);
    try {
      return await c.getBlockBlobClient(name).exists();
    } catch (err) {
      throw mapRestError(err, "blobs", `blob ${c.containerName}/${name}`);
    }
  }
}
