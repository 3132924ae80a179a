import { PrimaryColumn } from 'typeorm';

/**
 * The key of every tenant table: (tenant_id, id). tenant_id leads so that the table can be
 * sharded by tenant, and RLS policies compare it (migrations/README.md).
 */
export abstract class TenantOwned {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;
}
