/**
 * An append-only audit store (issue 16, point 7; seed 004 step 5: access controls on the audit
 * store): generated SQL and config that give each party only what it needs.
 *
 * | who | may | may not |
 * |---|---|---|
 * | the recorder (`tickwatch_recorder`) | INSERT and SELECT on the audit tables, seed 002's tables, the batch ledger | UPDATE, DELETE, TRUNCATE, ALTER, DROP, CREATE |
 * | readers (`tickwatch_reader`: Grafana, `tickwatch logs`, `audit verify`) | SELECT | anything else |
 * | the retention clean-up (`tickwatch_maintenance`, `tickwatch store cleanup`) | SELECT, INSERT and DELETE (rows past their period; the archive tier; chain checkpoints) | UPDATE, TRUNCATE, ALTER, DROP of the audit tables |
 * | the owner (`tickwatch_owner`, PostgreSQL; no login) | owns the tables: schema changes by a DBA who `SET ROLE`s to it | (a table's owner can always alter it: nobody logs in as it) |
 *
 * The clean-up must DELETE old rows (cleanup.ts), so it runs as its own role, not as the recorder:
 * a compromised recorder can add rows but not remove or rewrite any, and the hash chains (chain.ts)
 * show anything removed out of band.
 *
 * Three generated files (`npm run build:config`, checked by scripts/check-generated.sh):
 * - PostgreSQL: {@link POSTGRES_ACCESS_FILE}, roles and grants, tested on a real PostgreSQL 15
 *   (test/recorder/access.test.ts): the recorder writes and reads through the real store under its
 *   role and is refused DELETE, UPDATE, TRUNCATE, ALTER and DROP; a reader is refused INSERT.
 * - ClickHouse 18.16 (Debian's; no SQL users or GRANT, RBAC came in 20.4): {@link CLICKHOUSE_USERS_FILE},
 *   a `users.d` snippet with settings profiles: the recorder's `allow_ddl = 0` (no ALTER, DROP,
 *   TRUNCATE, CREATE: on 18.16 a mutation `ALTER TABLE ... DELETE` is DDL), readers' `readonly = 2`
 *   (reads and settings only), the clean-up's profile with DDL allowed (18.16 has no finer grain:
 *   there the maintenance user can ALTER). Tested against the real 18.16 server.
 * - ClickHouse 20.4 and newer: {@link CLICKHOUSE_GRANTS_FILE}, roles and GRANT statements. chdb (the
 *   embedded current engine the tests use) has no access management (CREATE ROLE is refused), so
 *   these are only parsed there (`EXPLAIN AST`), not enforced.
 *
 * The stores send no DDL for tables that exist with every column (and, on a current ClickHouse, the
 * configured TTL), so the first start and any upgrade that adds columns or changes a TTL run as the
 * maintenance user, and every other start as the recorder user.
 */
import { TABLES } from '../catalog/tables.js';
import { CHECKPOINT_TABLE } from './checkpoint.js';
import { SEED002_TABLES } from './ddl.js';
import { archiveOf } from './stores/retained.js';

/** Role and user names, the PostgreSQL schema and the ClickHouse database. */
export interface AccessNames {
  readonly owner: string;
  readonly recorder: string;
  readonly reader: string;
  readonly maintenance: string;
  /** PostgreSQL schema of the tables (the recorder uses the connection's current schema: `public` by default). */
  readonly schema: string;
  /** ClickHouse database of the tables (the recorder's default: `tickwatch`). */
  readonly database: string;
}

/** tickwatch's names. */
export const ACCESS_NAMES: AccessNames = {
  owner: 'tickwatch_owner',
  recorder: 'tickwatch_recorder',
  reader: 'tickwatch_reader',
  maintenance: 'tickwatch_maintenance',
  schema: 'public',
  database: 'tickwatch',
};

/** Where the build writes the files, relative to the repository root. */
export const POSTGRES_ACCESS_FILE = 'exporters/recorder/config/tickwatch-postgres-access.sql';
export const CLICKHOUSE_USERS_FILE = 'exporters/recorder/config/tickwatch-clickhouse-users.xml';
export const CLICKHOUSE_GRANTS_FILE = 'exporters/recorder/config/tickwatch-clickhouse-grants.sql';

const NAME = /^[a-z_][a-z0-9_]*$/;
function checkNames(n: AccessNames): void {
  for (const [k, v] of Object.entries(n)) if (!NAME.test(v)) throw new Error(`access: ${k} '${v}' is not a bare lower-case name`);
}

/** Every table tickwatch may create in a PostgreSQL store: the audit tables, their archive tier, seed 002's, the ledger, the checkpoints. */
export function postgresTables(): string[] {
  return [...TABLES.map((t) => t.name), ...TABLES.map((t) => archiveOf(t.name)), ...SEED002_TABLES, 'tickwatch_batches', CHECKPOINT_TABLE];
}

/**
 * The PostgreSQL roles and grants (run once per database as a superuser; idempotent).
 * @throws Error when a name is not a bare lower-case identifier
 */
export function postgresAccessSql(n: AccessNames = ACCESS_NAMES): string {
  checkNames(n);
  const tables = postgresTables();
  const list = tables.map((t) => `'${t}'`).join(', ');
  const role = (name: string, login: boolean) =>
    `DO $$ BEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} ${login ? 'LOGIN' : 'NOLOGIN'}; END IF;\nEND $$;`;
  return `-- An append-only audit store on PostgreSQL (issue 16; seed 004 step 5).
-- Generated by \`npm run build:config\` from exporters/recorder/access.ts. Do not edit by hand.
--
-- Run once per database as a superuser (idempotent): psql -v ON_ERROR_STOP=1 -d <db> -f this file
-- Then give the login roles passwords (ALTER ROLE ${n.recorder} PASSWORD '...'), never in this file.
--
--   ${n.owner}        NOLOGIN: owns the tables. Schema changes only: a DBA who is a member runs
--                      the recorder once with PGOPTIONS='-c role=${n.owner}' (or the URL's
--                      ?options=-c%20role%3D${n.owner}) to create or upgrade them.
--   ${n.recorder}     tickwatch recorder: INSERT and SELECT. No UPDATE, DELETE, TRUNCATE, ALTER, DROP.
--   ${n.reader}       readers (Grafana, tickwatch logs, audit verify): SELECT only.
--   ${n.maintenance}  the retention clean-up (tickwatch store cleanup --postgres-url with this role,
--                      from a timer; not the recorder's own schedule, which runs on the recorder's
--                      connection and would be refused): SELECT, INSERT, DELETE, because removing rows past
--                      their period is its job; CREATE on the schema for the archive tier's tables
--                      and chain_checkpoints the first time. No UPDATE or TRUNCATE; it cannot ALTER
--                      or DROP the audit tables (only their owner can).
-- Nobody that logs in owns an audit table, so nobody that logs in can ALTER, TRUNCATE or DROP one.

${role(n.owner, false)}
${role(n.recorder, true)}
${role(n.reader, true)}
${role(n.maintenance, true)}

REVOKE CREATE ON SCHEMA ${n.schema} FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA ${n.schema} TO ${n.owner};
GRANT USAGE ON SCHEMA ${n.schema} TO ${n.recorder}, ${n.reader}, ${n.maintenance};
GRANT CREATE ON SCHEMA ${n.schema} TO ${n.maintenance};

-- Tables made before this file ran (by another role) are handed to the owner; then each role gets its rights.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[${list}] LOOP
    IF to_regclass(format('%I.%I', '${n.schema}', t)) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I.%I OWNER TO ${n.owner}', '${n.schema}', t);
      EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC, ${n.recorder}, ${n.reader}, ${n.maintenance}', '${n.schema}', t);
      EXECUTE format('GRANT SELECT, INSERT ON %I.%I TO ${n.recorder}', '${n.schema}', t);
      EXECUTE format('GRANT SELECT ON %I.%I TO ${n.reader}', '${n.schema}', t);
      EXECUTE format('GRANT SELECT, INSERT, DELETE ON %I.%I TO ${n.maintenance}', '${n.schema}', t);
    END IF;
  END LOOP;
END $$;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${n.schema} TO ${n.recorder}, ${n.maintenance};

-- Tables and sequences the owner creates later (the recorder's first start as ${n.owner}) get the same rights.
ALTER DEFAULT PRIVILEGES FOR ROLE ${n.owner} IN SCHEMA ${n.schema} GRANT SELECT, INSERT ON TABLES TO ${n.recorder};
ALTER DEFAULT PRIVILEGES FOR ROLE ${n.owner} IN SCHEMA ${n.schema} GRANT SELECT ON TABLES TO ${n.reader};
ALTER DEFAULT PRIVILEGES FOR ROLE ${n.owner} IN SCHEMA ${n.schema} GRANT SELECT, INSERT, DELETE ON TABLES TO ${n.maintenance};
ALTER DEFAULT PRIVILEGES FOR ROLE ${n.owner} IN SCHEMA ${n.schema} GRANT USAGE ON SEQUENCES TO ${n.recorder}, ${n.maintenance};
-- Tables the clean-up creates (the archive tier, chain_checkpoints): readable by the readers and the recorder (its chain heads read the checkpoints).
ALTER DEFAULT PRIVILEGES FOR ROLE ${n.maintenance} IN SCHEMA ${n.schema} GRANT SELECT ON TABLES TO ${n.reader}, ${n.recorder};
`;
}

/** The placeholder where the deployer puts a password's SHA-256 (the file holds no secret). */
export const PASSWORD_PLACEHOLDER = 'SHA256_OF_THE_PASSWORD';

/**
 * The ClickHouse 18.16 `users.d` snippet: one settings profile and one user per party. Passwords
 * are SHA-256 placeholders the deployer fills in (`printf '%s' "$PASSWORD" | sha256sum`); the
 * server refuses to start while one is left.
 * @throws Error when a name is not a bare lower-case identifier
 */
export function clickhouseUsersXml(n: AccessNames = ACCESS_NAMES): string {
  checkNames(n);
  const user = (name: string) => `        <${name}>
            <password_sha256_hex>${PASSWORD_PLACEHOLDER}</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>${name}</profile>
            <quota>default</quota>
            <allow_databases><database>${n.database}</database></allow_databases>
        </${name}>`;
  return `<?xml version="1.0"?>
<!--
  An append-only audit store on ClickHouse 18.16 (Debian's clickhouse-server), which has no SQL users
  or GRANT: settings profiles instead (issue 16; seed 004 step 5).
  Generated by \`npm run build:config\` from exporters/recorder/access.ts. Do not edit by hand.

  Copy to /etc/clickhouse-server/users.d/, replace each ${PASSWORD_PLACEHOLDER} with the SHA-256 (hex) of
  that user's password (printf '%s' "$PASSWORD" | sha256sum), widen <networks> to where each party runs.
    ${n.recorder}     tickwatch recorder: INSERT and SELECT. allow_ddl 0: no ALTER (a DELETE or UPDATE
                      mutation is an ALTER), no DROP, TRUNCATE, CREATE or RENAME.
    ${n.reader}       readers (Grafana, tickwatch logs, audit verify): readonly 2, reads and settings only.
    ${n.maintenance}  the retention clean-up (tickwatch store cleanup): DDL allowed, because 18.16 removes
                      rows only with ALTER TABLE ... DELETE; it also creates and upgrades the tables (the
                      recorder's first start runs as this user). 18.16 cannot keep it from other ALTERs:
                      keep its password with the operators, not with the recorder.
-->
<yandex>
    <profiles>
        <${n.recorder}>
            <readonly>0</readonly>
            <allow_ddl>0</allow_ddl>
        </${n.recorder}>
        <${n.reader}>
            <readonly>2</readonly>
            <allow_ddl>0</allow_ddl>
        </${n.reader}>
        <${n.maintenance}>
            <readonly>0</readonly>
            <allow_ddl>1</allow_ddl>
        </${n.maintenance}>
    </profiles>
    <users>
${[n.recorder, n.reader, n.maintenance].map(user).join('\n')}
    </users>
</yandex>
`;
}

/**
 * Roles and GRANT statements for ClickHouse 20.4 and newer (SQL access control). Users are created
 * by the deployer with their password and given the role as default.
 * @throws Error when a name is not a bare lower-case identifier
 */
export function clickhouseGrantsSql(n: AccessNames = ACCESS_NAMES): string {
  checkNames(n);
  const db = n.database;
  return `-- An append-only audit store on ClickHouse 20.4 or newer (SQL access control; issue 16, seed 004 step 5).
-- Generated by \`npm run build:config\` from exporters/recorder/access.ts. Do not edit by hand.
--
-- Run as a user with access management (clickhouse-client --multiquery < this file), then create the users:
--   CREATE USER ${n.recorder} IDENTIFIED WITH sha256_password BY '...' DEFAULT ROLE ${n.recorder}_role;
--   (and ${n.reader}, ${n.maintenance} with their roles), never with a password from this file.
-- Nobody gets ALTER UPDATE, TRUNCATE, DROP or other ALTERs on ${db}. The clean-up's role has ALTER DELETE
-- (ClickHouse removes rows past their period with ALTER TABLE ... DELETE) and creates chain_checkpoints;
-- schema creation and upgrades (the recorder's first start) run as the ${n.owner}_role.
CREATE ROLE IF NOT EXISTS ${n.recorder}_role;
CREATE ROLE IF NOT EXISTS ${n.reader}_role;
CREATE ROLE IF NOT EXISTS ${n.maintenance}_role;
CREATE ROLE IF NOT EXISTS ${n.owner}_role;
GRANT SELECT, INSERT ON ${db}.* TO ${n.recorder}_role;
GRANT SELECT ON ${db}.* TO ${n.reader}_role;
GRANT SELECT, INSERT, ALTER DELETE, CREATE TABLE ON ${db}.* TO ${n.maintenance}_role;
GRANT SELECT, INSERT, CREATE DATABASE, CREATE TABLE, ALTER ADD COLUMN, ALTER MODIFY TTL, ALTER MATERIALIZE TTL ON ${db}.* TO ${n.owner}_role;
`;
}
