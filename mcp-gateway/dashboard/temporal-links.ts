// Links into the Temporal Web UI for a run: temporal.uiUrl, else the local dev server's UI.
import type { Config } from '../../config/index.js';

export function temporalUiBase(config: Config): string {
  return config.temporal.uiUrl ?? `http://${config.temporal.devServer.ip}:${config.temporal.devServer.uiPort}`;
}

export function workflowUrl(config: Config, workflowId: string): string {
  return `${temporalUiBase(config)}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
