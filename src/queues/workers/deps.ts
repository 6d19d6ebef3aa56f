import type { Container } from '../../container.js';

/** What worker files get: the process's container, built once and shared by all workers. */
export type WorkerDeps = Container;
