"""Each person's home page (what needs them now), reminders, in-app notifications.

It reads every area; no area imports it."""
