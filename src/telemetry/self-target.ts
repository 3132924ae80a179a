import { TENANT0_ID } from '../entities/tenant.entity';

/** Whether a probe target is Sentinel itself: Tenant0's endpoint on Sentinel's own origin. */
export function isSelfTarget(tenantId: string, url: string, publicUrl: string): boolean {
  return tenantId === TENANT0_ID && new URL(url).origin === new URL(publicUrl).origin;
}
