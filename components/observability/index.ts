export { alertRules } from "./alerts";
export type { AlertArgs, AlertRule } from "./alerts";
export { asksCluster, MONITORING_APIS, monitoringDecision } from "./decision";
export type { MonitoringDecision } from "./decision";
export { createMonitoring, NginxMonitoring } from "./monitoring";
export type { MonitoringSummary, NginxMonitoringArgs } from "./monitoring";
