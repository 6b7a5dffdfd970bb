// The S3 client (AWS SDK v3) built from the connector's settings, and failures turned into messages that name
// the cause (credentials, bucket, endpoint) for a FAILED task's trace.
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand,
  HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ConnectError } from '../../connect/api/index.js';
import { retry } from '../../backoff.js';
import type { StorageSettings } from './config.js';

export function createS3Client(s: StorageSettings): S3Client {
  // The SDK warns once per process that its 2027 releases need Node 22; Ferry pins a release that runs on 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.pathStyle,
    // Retries are ObjectStore's (s3.part.retries, s3.retry.backoff.ms), not the SDK's.
    maxAttempts: 1,
    // S3-compatible servers (s3proxy, MinIO of some versions) refuse the SDK's newer default checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(s.accessKeyId && s.secretAccessKey ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
  });
}

/** Worth another attempt: throttling, server errors, timeouts and connections that failed. */
export function isTransientS3Error(err: unknown): boolean {
  const e = (err ?? {}) as SdkError & { $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return e.$retryable !== undefined && e.$retryable !== null || status >= 500 || status === 429 || ['SlowDown', 'TimeoutError', 'RequestTimeout', 'InternalError'].includes(e.name ?? '')
    || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(e.code ?? '');
}

interface SdkError { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } }

/** A ConnectError whose message says what went wrong with S3 and which setting to look at. */
export function describeS3Error(err: unknown, s: StorageSettings, action: string): ConnectError {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? e.Code ?? '';
  const code = e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = s.endpoint ?? `AWS S3 (${s.region})`;
  let why: string;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken', 'ExpiredToken'].includes(name) || status === 403) {
    why = `wrong or unauthorized credentials: ${where} answered ${[status ? `HTTP ${status}` : '', name && name !== 'Unknown' ? name : ''].filter(Boolean).join(' ')} (check aws.access.key.id / aws.secret.access.key or the provider chain)`;
  } else if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    why = `no credentials: set aws.access.key.id and aws.secret.access.key, or give the standard provider chain some (${e.message ?? ''})`;
  } else if (name === 'NoSuchBucket' || (name === 'NotFound' && action.startsWith('check bucket'))) {
    why = `the bucket '${s.bucket}' does not exist at ${where} (s3.bucket.name)`;
  } else if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code) || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up/.test(e.message ?? '')) {
    why = `the endpoint ${where} is unreachable (${code || e.message}); check store.url / s3.region`;
  } else {
    why = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  }
  return new ConnectError(`S3 ${action} failed: ${why}`, { cause: err });
}

/** What the tasks need from S3; one instance per task. */
export class ObjectStore {
  readonly client: S3Client;
  constructor(readonly settings: StorageSettings) {
    this.client = createS3Client(settings);
  }

  get bucket(): string { return this.settings.bucket; }

  /** One request, tried again on transient failures: s3.part.retries more times, s3.retry.backoff.ms doubling (≤ 10 s). */
  private retrying<T>(request: () => Promise<T>): Promise<T> {
    return retry(request, {
      attempts: this.settings.retries + 1,
      retriable: isTransientS3Error,
      backoffMs: (attempt) => Math.min(10_000, this.settings.retryBackoffMs * 2 ** (attempt - 1)),
    });
  }

  /** Fails with a message naming the cause when the bucket cannot be reached with these credentials. */
  async checkBucket(): Promise<void> {
    try {
      await this.retrying(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
    } catch (e) {
      throw describeS3Error(e, this.settings, `check bucket '${this.bucket}'`);
    }
  }

  async put(key: string, body: Buffer): Promise<void> {
    try {
      await this.retrying(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length })));
    } catch (e) {
      throw describeS3Error(e, this.settings, `upload of ${key}`);
    }
  }

  async startMultipart(key: string): Promise<string> {
    try {
      const r = await this.retrying(() => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key })));
      if (!r.UploadId) throw new Error('no UploadId in the answer');
      return r.UploadId;
    } catch (e) {
      throw describeS3Error(e, this.settings, `multipart upload of ${key}`);
    }
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    try {
      const r = await this.retrying(() => this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length })));
      return r.ETag ?? '';
    } catch (e) {
      throw describeS3Error(e, this.settings, `part ${partNumber} of ${key}`);
    }
  }

  async completeMultipart(key: string, uploadId: string, etags: string[]): Promise<void> {
    try {
      await this.retrying(() => this.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.bucket, Key: key, UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      })));
    } catch (e) {
      throw describeS3Error(e, this.settings, `completing the multipart upload of ${key}`);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.retrying(() => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))).catch(() => undefined);
  }

  /** Every object key under a prefix (directory placeholders some servers list are left out). */
  async list(prefix: string): Promise<Array<{ key: string; size: number }>> {
    const out: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.retrying(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })));
        for (const o of r.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, size: o.Size ?? 0 });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw describeS3Error(e, this.settings, `listing ${prefix}`);
    }
    return out;
  }

  async get(key: string): Promise<Buffer> {
    try {
      const r = await this.retrying(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
      if (!r.Body) return Buffer.alloc(0);
      return Buffer.from(await r.Body.transformToByteArray());
    } catch (e) {
      throw describeS3Error(e, this.settings, `download of ${key}`);
    }
  }

  close(): void { this.client.destroy(); }
}
