-- Up Migration
-- Model versions produced by the retraining pipeline carry files (the ONNX alpha model) and the figures
-- they were chosen on. `artifacts` lists {kind, path, sha256, bytes} (the sha256 is checked before a
-- file is loaded); `metrics` holds the in-sample and out-of-sample figures; `registration_key` makes a
-- retried registration (the same workflow step) return the version it already created instead of a
-- second one.
ALTER TABLE model_versions
  ADD COLUMN artifacts jsonb NOT NULL DEFAULT '[]'
    CONSTRAINT model_versions_artifacts_array CHECK (jsonb_typeof(artifacts) = 'array'),
  ADD COLUMN metrics jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT model_versions_metrics_object CHECK (jsonb_typeof(metrics) = 'object'),
  ADD COLUMN registration_key text CONSTRAINT model_versions_registration_key UNIQUE;

-- Down Migration
ALTER TABLE model_versions DROP COLUMN registration_key, DROP COLUMN metrics, DROP COLUMN artifacts;
