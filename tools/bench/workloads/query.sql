-- sqlite3 on an in-memory database: build a table from a recursive CTE,
-- index it, then aggregate, join and sort. The row count comes from the
-- harness through a one-row table `scale` it creates before this script.
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, v REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT rows FROM scale))
INSERT INTO t SELECT i, i % 997, printf('name-%08d', (i * 7919) % 1000003), (i * 31 % 1013) / 7.0 FROM n;
CREATE INDEX t_grp ON t(grp);
SELECT count(*), sum(v) FROM t;
SELECT grp, count(*), avg(v), max(name) FROM t GROUP BY grp ORDER BY 3 DESC LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON a.grp = b.grp AND a.id + 1 = b.id;
SELECT name FROM t ORDER BY name DESC LIMIT 3;
SELECT grp, group_concat(substr(name, 6, 3), '') FROM t WHERE id % 101 = 0 GROUP BY grp ORDER BY grp LIMIT 2;
