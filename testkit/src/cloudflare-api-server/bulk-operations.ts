/**
 * Bulk operations (item creates and deletes): one pending per account, a second is refused with
 * 429 as Cloudflare's Lists docs say ("If a write operation is still being processed and you
 * submit a new request, you will receive a 429"). An operation goes pending → running →
 * completed over `polls_to_complete` polls, or completes by itself after `auto_complete_ms`; its
 * changes become visible only then.
 */
import type { ApplyOperation } from './account-lists.js';
import { ApiFailure, hex, iso } from './api-answer.js';

/** The server's settings (read when used, so tests may change them) and the counters it shows. */
export interface OperationSettings {
  /** Polls answered `running` before the operation completes (the last poll sees `completed`). */
  readonly polls_to_complete: number;
  /** An operation nobody polls completes after this long, like on Cloudflare. */
  readonly auto_complete_ms: number;
  /** Create/delete requests refused because another bulk operation was still pending. */
  concurrent_operation_rejections: number;
  operations_started: number;
}

interface Operation {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  polls: number;
  apply: ApplyOperation;
  fail: boolean;
  error: string | undefined;
  completed: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class BulkOperations {
  private readonly operations = new Map<string, Operation>();
  private active: Operation | undefined;
  private failOperations = 0;

  constructor(private readonly settings: OperationSettings) {}

  /** The next `count` operations end `failed` and change nothing. */
  failNext(count: number): void {
    this.failOperations = count;
  }

  /** Starts an operation that applies `apply` when it completes; returns its id. */
  start(apply: ApplyOperation): string {
    if (this.active !== undefined) {
      this.settings.concurrent_operation_rejections += 1;
      throw new ApiFailure(429, 10_046, 'A bulk operation is already pending for this account; retry when it has completed');
    }
    const operation: Operation = { id: hex(16), status: 'pending', polls: 0, apply, fail: false, error: undefined, completed: undefined, timer: undefined };
    if (this.failOperations > 0) {
      this.failOperations -= 1;
      operation.fail = true;
    }
    operation.timer = setTimeout(() => this.finish(operation), this.settings.auto_complete_ms);
    operation.timer.unref();
    this.operations.set(operation.id, operation);
    this.active = operation;
    this.settings.operations_started += 1;
    return operation.id;
  }

  /** GET /rules/lists/bulk_operations/:id: each poll moves the operation on. */
  poll(id: string): unknown {
    const operation = this.operations.get(id);
    if (operation === undefined) throw new ApiFailure(404, 10_004, 'operation not found');
    if (operation.status === 'pending' || operation.status === 'running') {
      operation.polls += 1;
      if (operation.polls >= this.settings.polls_to_complete) this.finish(operation);
      else operation.status = 'running';
    }
    if (operation.status === 'completed') return { id, status: 'completed', completed: operation.completed };
    if (operation.status === 'failed') return { id, status: 'failed', completed: operation.completed, error: operation.error };
    return { id, status: operation.status };
  }

  /** Clears the auto-completion timers. */
  close(): void {
    for (const operation of this.operations.values()) if (operation.timer !== undefined) clearTimeout(operation.timer);
  }

  private finish(operation: Operation): void {
    if (operation.status === 'completed' || operation.status === 'failed') return;
    if (operation.timer !== undefined) clearTimeout(operation.timer);
    const error = operation.fail ? 'Internal error while processing the bulk operation (injected)' : operation.apply();
    operation.status = error === undefined ? 'completed' : 'failed';
    operation.error = error;
    operation.completed = iso();
    if (this.active === operation) this.active = undefined;
  }
}
