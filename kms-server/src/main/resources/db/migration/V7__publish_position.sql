-- How far each stream has been published to Kafka (issue 15), so that a restart resumes where
-- publishing stopped. The events topic's position is Axon's tracking token (tokenentry, processor
-- kms-kafka-events); this table holds the audit topic's: the seq of the last kms_audit_record row
-- published, or skipped as a gap no transaction will fill.
CREATE TABLE kms_publish_position (
    stream    VARCHAR(64)  NOT NULL PRIMARY KEY,
    position  BIGINT       NOT NULL
);
