-- The organisation's security policy (docs/policy.md): every version as
-- applied, never changed or deleted. The newest (the highest number) is
-- in force; numbers run 1, 2, 3 … without gaps, so that "the version I
-- read" names one document and a lost update is refused.
CREATE TABLE policy_versions (
	version    INTEGER PRIMARY KEY NOT NULL CHECK (version > 0),
	yaml       TEXT    NOT NULL CHECK (length(CAST(yaml AS BLOB)) <= 65536),
	author     TEXT    NOT NULL CHECK (length(CAST(author AS BLOB)) BETWEEN 1 AND 256),
	created_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions BEGIN
	SELECT RAISE(ABORT, 'policy versions are never changed');
END;
CREATE TRIGGER policy_versions_kept BEFORE DELETE ON policy_versions BEGIN
	SELECT RAISE(ABORT, 'policy versions are never deleted');
END;
