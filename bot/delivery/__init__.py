"""Getting messages to Telegram within its limits."""
