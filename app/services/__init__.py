"""Operations that change data. Views call one of these, then commit once."""
