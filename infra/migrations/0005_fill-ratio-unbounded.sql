-- Up Migration
-- fill_ratio = fill reports / quotes placed: partial fills each count, so it may exceed 1 (a quote
-- filled in three parts gives 3). Only non-negativity is an invariant.
ALTER TABLE backtest_runs DROP CONSTRAINT backtest_runs_fill_ratio_range;
ALTER TABLE backtest_runs ADD CONSTRAINT backtest_runs_fill_ratio_nonnegative CHECK (fill_ratio >= 0);

-- Down Migration
ALTER TABLE backtest_runs DROP CONSTRAINT backtest_runs_fill_ratio_nonnegative;
ALTER TABLE backtest_runs ADD CONSTRAINT backtest_runs_fill_ratio_range CHECK (fill_ratio BETWEEN 0 AND 1);
