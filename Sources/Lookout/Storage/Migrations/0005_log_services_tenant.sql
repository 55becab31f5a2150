-- The service filter of a tenant-bound user listed every tenant's service names (log_services
-- had no tenant and no policy). Services are now kept per tenant ('' for lines without one),
-- under the same row-level security as the lines.
ALTER TABLE log_services ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE log_services DROP CONSTRAINT log_services_pkey;
ALTER TABLE log_services ADD PRIMARY KEY (tenant, service);
ALTER TABLE log_services ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON log_services TO lookout_tenant USING (tenant = lookout_current_tenant());
