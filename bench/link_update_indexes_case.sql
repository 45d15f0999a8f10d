-- One case of link_update_indexes.sql: the table fb as the case made it, filled pending, then linked, then dropped.
CHECKPOINT;
\echo   pending insert
:pending_insert
CHECKPOINT;
\echo   link update
:link_update
CHECKPOINT;
DROP TABLE fb;
