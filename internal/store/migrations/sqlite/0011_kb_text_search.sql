-- PostgreSQL's knowledge-base text search function (see its migration);
-- SQLite searches through FTS5 and needs nothing here.
SELECT 1;
