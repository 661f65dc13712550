--
-- Every table, view and function of the extension has a COMMENT and is
-- named (as racing.<name>) in some file of docs/.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\set docdir :abs_srcdir '/docs'
WITH docs AS (
	SELECT string_agg(pg_read_file(:'docdir' || '/' || f), E'\n') AS text
	FROM pg_ls_dir(:'docdir') AS f WHERE f LIKE '%.md'
), members AS (
	SELECT d.classid, d.objid FROM pg_depend d
	JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass
		AND d.refobjid = e.oid AND e.extname = 'racing'
	WHERE d.deptype = 'e'
), objs AS (
	SELECT 'function' AS kind, p.proname::text AS name,
		   obj_description(p.oid, 'pg_proc') AS descr
	FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
	UNION ALL
	SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view'
				WHEN 'm' THEN 'materialized view' END,
		   c.relname::text, obj_description(c.oid, 'pg_class')
	FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
	WHERE c.relkind IN ('r', 'v', 'm')
)
SELECT DISTINCT kind, name, descr IS NOT NULL AS has_comment,
	   docs.text ~ ('racing\.' || name || '\M') AS in_docs
FROM objs, docs
WHERE descr IS NULL OR docs.text !~ ('racing\.' || name || '\M')
ORDER BY 1, 2;
