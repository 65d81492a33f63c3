"""ASK: the topic taxonomy, the yearly needs survey and the priorities rolled up from it."""
