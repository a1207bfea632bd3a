"""The Telegram adapter: aiogram sending, callback data, keyboards, errors mapped to outcomes."""
