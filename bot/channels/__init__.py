"""Channel adapters: SMS and WhatsApp (Twilio), Telegram, and the shared inbound/outbound path.

Each adapter authenticates the platform's request, turns it into one IncomingMessage, runs the
dialogue core, and queues the core's replies in the outbox rendered for its channel.
"""
