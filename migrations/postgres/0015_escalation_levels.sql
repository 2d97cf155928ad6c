-- How far up an escalation has gone: its PM, the manager, then legal (notice of intent to lien,
-- a collections agency or counsel). Existing escalations sit with their PM.
ALTER TABLE escalations ADD COLUMN level TEXT NOT NULL DEFAULT 'pm';
