-- Notes and promises whose time of day is not known: a team's imported log gives only the day.
-- Their history shows the day alone rather than a made-up time. Existing rows were typed in chat.
ALTER TABLE notes ADD COLUMN day_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE promises ADD COLUMN day_only BOOLEAN NOT NULL DEFAULT FALSE;
