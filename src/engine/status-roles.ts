/** The roles that take part in `zkk status`, in registry order (their sections follow it). */
import { allRoles } from '../roles/all-roles.js';
import type { AnyRoleStatus } from '../roles/role-status.js';

export const statusRoles: readonly AnyRoleStatus[] = allRoles.flatMap((r) => (r.status ? [r.status] : []));
export type { Paint, StatusBlock } from '../roles/role-status.js';
export type { PortStatus, ServiceStatusBase } from '../roles/service-status.js';
