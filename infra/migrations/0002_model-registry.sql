-- Up Migration
-- The model registry: every trained/tuned quoting model version with its parameters, lifecycle status
-- and lineage (parent version, dataset digests, workflow ids, code version).

CREATE TABLE model_versions (
  id text PRIMARY KEY,
  name text NOT NULL CONSTRAINT model_versions_name_format CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'),
  version integer NOT NULL CONSTRAINT model_versions_version_positive CHECK (version > 0),
  kind text NOT NULL CONSTRAINT model_versions_kind_not_empty CHECK (kind <> ''),
  params jsonb NOT NULL CONSTRAINT model_versions_params_object CHECK (jsonb_typeof(params) = 'object'),
  status text NOT NULL DEFAULT 'candidate'
    CONSTRAINT model_versions_status CHECK (status IN ('candidate', 'champion', 'challenger', 'retired')),
  parent_id text CONSTRAINT model_versions_parent_fkey REFERENCES model_versions (id) ON DELETE RESTRICT,
  lineage jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT model_versions_lineage_object CHECK (jsonb_typeof(lineage) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The id is derived, never parsed: `<name>@<version>`.
  CONSTRAINT model_versions_id_format CHECK (id = name || '@' || version::text),
  CONSTRAINT model_versions_name_version_key UNIQUE (name, version),
  CONSTRAINT model_versions_not_own_parent CHECK (parent_id IS DISTINCT FROM id),
  -- At most one champion per model name. Deferred to commit so that a single UPDATE can promote a new
  -- champion and retire the old one in any row order.
  CONSTRAINT model_versions_one_champion EXCLUDE USING btree (name WITH =) WHERE (status = 'champion')
    DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX model_versions_parent_idx ON model_versions (parent_id);

-- Down Migration
DROP TABLE model_versions;
