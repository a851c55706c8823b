-- Attempts are read and deleted by delivery. Deleting a subscription's or an application's attempts
-- goes through their deliveries, so the index by subscription only cost a b-tree insert per attempt.
DROP INDEX attempts_subscription;
