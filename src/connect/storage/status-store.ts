// Connector and task status (Connect's StatusBackingStore). Standalone keeps it in memory; distributed
// mode writes the same records to the status topic.
import type { State } from '../api/states.js';

export interface StatusRecord {
  state: State;
  trace?: string;
  workerId: string;
  generation: number;
}

export class MemoryStatusStore {
  private readonly connectors = new Map<string, StatusRecord>();
  private readonly tasks = new Map<string, Map<number, StatusRecord>>();

  putConnector(name: string, s: StatusRecord): void {
    this.connectors.set(name, s);
  }

  putTask(connector: string, task: number, s: StatusRecord): void {
    let m = this.tasks.get(connector);
    if (!m) { m = new Map(); this.tasks.set(connector, m); }
    m.set(task, s);
  }

  getConnector(name: string): StatusRecord | undefined {
    return this.connectors.get(name);
  }

  getTask(connector: string, task: number): StatusRecord | undefined {
    return this.tasks.get(connector)?.get(task);
  }

  connectorTasks(connector: string): Array<[number, StatusRecord]> {
    return [...(this.tasks.get(connector) ?? new Map<number, StatusRecord>())].sort((a, b) => a[0] - b[0]);
  }

  removeTask(connector: string, task: number): void {
    this.tasks.get(connector)?.delete(task);
  }

  removeConnector(name: string): void {
    this.connectors.delete(name);
    this.tasks.delete(name);
  }
}
