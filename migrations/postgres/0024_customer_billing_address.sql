-- The customer's billing address (bill-to), as the accounting system or a spreadsheet has it:
-- the lines of the address, one per line. Statements and letters are addressed to it.
ALTER TABLE customers ADD COLUMN billing_address TEXT;
