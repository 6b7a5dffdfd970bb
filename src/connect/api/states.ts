// The states and ids every layer of the framework speaks of — storage records them, the runtime reports them,
// the herders and the REST API show them — defined once, below all of them.

/** A connector's or task's state, as Connect's status topic and REST API name it. */
export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

/** What a connector was asked to be (target-state records of the config topic). */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

/** A task of a connector (Connect's ConnectorTaskId). */
export interface TaskId { connector: string; task: number }
