-- Run once by the postgres image when Temporal's database cluster is first created
-- (/docker-entrypoint-initdb.d); POSTGRES_DB creates the other database, "temporal".
CREATE DATABASE temporal_visibility;
