/**
 * Per-tenant switches for new model kinds and features. New ones go to Tenant0 first (the Apex
 * Sandbox: it monitors Sentinel itself, so a regression hurts the platform before any customer),
 * then to tenants a platform admin picks (setFeatureFlags).
 */
export const FEATURE_FLAGS = {
  'wide-mlp': 'Train a wider network (64-32 hidden units instead of 32-16).',
} as const;

export type FeatureFlag = keyof typeof FEATURE_FLAGS;

export function isFeatureFlag(name: string): name is FeatureFlag {
  return Object.hasOwn(FEATURE_FLAGS, name);
}
