"""Domain rules as plain functions over plain data, tested without a bot or a database."""
