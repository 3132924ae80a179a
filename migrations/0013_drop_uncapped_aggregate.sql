-- The global aggregate is read through the four-argument global_training_rows() of 0009 (episodes,
-- sampling across series). 0010 hardened the older three-argument one in place, so it still
-- existed and the platform role could still call it: drop it, leaving one way in.
drop function if exists public.global_training_rows(integer, integer, double precision);
