/**
 * Notifications the simulator produces, and their delivery to the app the way Amazon's EventBridge path does
 * it: an EventBridge event (`detail-type`, `detail` = the notification) POSTed by an API destination to the
 * app's `/api/amazon/notifications` with the connection's API key in `x-api-key`. Delivery is off until
 * configured (`configure` or PUT /_control/notifications/delivery); failed deliveries (non-2xx, refused
 * connection) are retried with exponential backoff like an EventBridge retry policy, and `duplicate: true`
 * delivers every event twice, as at-least-once delivery may.
 */
import { randomUUID } from "node:crypto";

export interface DeliveryConfig {
  enabled: boolean;
  /** The app's endpoint, e.g. http://localhost:7071/api/amazon/notifications. */
  url?: string;
  /** Sent in x-api-key (the app's secret notification-api-key). */
  apiKey?: string;
  /** Only these notification types (default: all). */
  types?: string[];
  /** Deliver every notification twice (at-least-once). */
  duplicate?: boolean;
  /** Attempts per delivery (default 5). */
  maxAttempts?: number;
  /** Wait before the first retry, doubled per attempt (real milliseconds, default 200). */
  retryDelayMs?: number;
}

export interface DeliveryRecord {
  notificationId: string;
  notificationType: string;
  attempt: number;
  at: string;
  status: number | "error";
  error?: string;
}

const typeOf = (n: Record<string, unknown>) => String(n.NotificationType ?? n.notificationType ?? "");
const idOf = (n: Record<string, unknown>) => {
  const m = (n.NotificationMetadata ?? n.notificationMetadata) as Record<string, unknown> | undefined;
  return String(m?.NotificationId ?? m?.notificationId ?? "");
};

export class NotificationHub {
  private produced: Record<string, unknown>[] = [];
  private config: DeliveryConfig = { enabled: false };
  private log: DeliveryRecord[] = [];
  private pending = new Set<Promise<void>>();

  constructor(private readonly awsAccountId = "123456789012") {}

  all(type?: string): Record<string, unknown>[] {
    return type ? this.produced.filter((n) => typeOf(n) === type) : [...this.produced];
  }

  clear(): void {
    this.produced = [];
    this.log = [];
  }

  configure(c: Partial<DeliveryConfig>): DeliveryConfig {
    this.config = { ...this.config, ...c };
    if (this.config.enabled && !this.config.url) throw new Error("notification delivery needs a url");
    return this.config;
  }

  settings(): DeliveryConfig {
    return { ...this.config, ...(this.config.apiKey ? { apiKey: "***" } : {}) };
  }

  deliveries(): DeliveryRecord[] {
    return [...this.log];
  }

  emit(n: Record<string, unknown>): void {
    this.produced.push(n);
    if (this.produced.length > 20_000) this.produced.shift();
    const c = this.config;
    if (!c.enabled || !c.url) return;
    if (c.types?.length && !c.types.includes(typeOf(n))) return;
    for (let copy = 0; copy < (c.duplicate ? 2 : 1); copy++) this.track(this.deliver(n, c));
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** The EventBridge event an API destination sends (SP-API partner event source). */
  event(n: Record<string, unknown>): Record<string, unknown> {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": typeOf(n),
      source: `aws.partner/sellingpartnerapi.amazon.com/${this.awsAccountId}/amzn1.sellerapps.app.demo`,
      account: this.awsAccountId,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: "us-east-1",
      resources: [],
      detail: n,
    };
  }

  private async deliver(n: Record<string, unknown>, c: DeliveryConfig): Promise<void> {
    const body = JSON.stringify(this.event(n));
    const max = c.maxAttempts ?? 5;
    for (let attempt = 1; attempt <= max; attempt++) {
      const rec: DeliveryRecord = {
        notificationId: idOf(n),
        notificationType: typeOf(n),
        attempt,
        at: new Date().toISOString(),
        status: "error",
      };
      this.log.push(rec);
      if (this.log.length > 5000) this.log.shift();
      try {
        const res = await fetch(c.url!, {
          method: "POST",
          headers: { "content-type": "application/json", ...(c.apiKey ? { "x-api-key": c.apiKey } : {}) },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        rec.status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        // EventBridge retries 5xx and 429; other 4xx are not retried (the event goes to the DLQ).
        if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) return;
      } catch (err) {
        rec.error = (err as Error).message;
      }
      if (attempt < max) await new Promise((r) => setTimeout(r, (c.retryDelayMs ?? 200) * 2 ** (attempt - 1)));
    }
  }
}
