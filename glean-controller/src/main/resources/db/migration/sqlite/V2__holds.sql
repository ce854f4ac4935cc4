-- Jobs on hold: their queued tasks are not placed until released (glean hold / release).
CREATE TABLE holds (
    job_id TEXT NOT NULL PRIMARY KEY REFERENCES jobs (id)
);
