"""Telegram's error descriptions, word for word, and where each one comes from.

The official Bot API server (tdlib/telegram-bot-api) answers most refusals itself, in
``telegram-bot-api/Client.cpp``; the rest come from TDLib (tdlib/td) or from Telegram's servers
and pass through ``Client::fail_query_with_error``, which prefixes ``Bad Request: `` (400) or
``Forbidden: `` (403), lower-cases the first letter of a TDLib sentence and keeps an upper-case
server error name (``QUOTE_TEXT_INVALID``) as it is. Each constant below says which file it is
read from, so the wording can be checked again when Telegram changes it.

Four descriptions are not in any public source (Telegram's servers answer them and no
client library records them); they are marked UNVERIFIED and listed in the README.
"""

from __future__ import annotations

# -- who the bot can reach: Client.cpp, Client::check_chat_access ------------------------------------
USER_DEACTIVATED = "Forbidden: user is deactivated"
GROUP_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"  # + parameters.migrate_to_chat_id
KICKED_FROM_GROUP = "Forbidden: bot was kicked from the group chat"
NOT_MEMBER_OF_GROUP = "Forbidden: bot is not a member of the group chat"
KICKED_FROM_SUPERGROUP = "Forbidden: bot was kicked from the supergroup chat"
NOT_MEMBER_OF_SUPERGROUP = "Forbidden: bot is not a member of the supergroup chat"
#: TDLib MessagesManager.cpp, process_send_message_fail_error: PEER_ID_INVALID for a bot writing
#: to a user becomes 403 "Bot can't initiate conversation with a user"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
#: Client.cpp fail_query_with_error: USER_IS_BLOCKED -> 403 "bot was blocked by the user"
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"

# -- topics -------------------------------------------------------------------------------------------
#: Client.cpp check_message_topic (GENERAL_FORUM_TOPIC_ID in a forum) and
#: TdOnCheckForumTopicCallback ("Message thread not found", e.g. a thread id in a private chat)
THREAD_NOT_FOUND = "Bad Request: message thread not found"
#: TDLib ForumTopicManager.cpp create_forum_topic / is_forum
NOT_A_FORUM = "Bad Request: the chat is not a forum"
NO_RIGHTS_TO_CREATE_TOPIC = "Bad Request: not enough rights to create a topic"
TOPIC_NAME_EMPTY = "Bad Request: name must be non-empty"
#: TDLib checks 0..0xFFFFFF; the Bot API documents six colours. What Telegram's server answers
#: for another colour in that range is not public: the emulator gives TDLib's sentence.
INVALID_ICON_COLOR = "Bad Request: invalid icon color specified"
#: closeForumTopic / reopenForumTopic (TDLib ForumTopicManager.cpp toggle_forum_topic_is_closed):
#: a thread id that is missing, not a number or not positive (can_be_forum_topic_id; Client.cpp
#: get_forum_topic_id reads those as 0)
INVALID_TOPIC_ID = "Bad Request: invalid forum topic identifier specified"
#: ... neither an administrator with can_manage_topics nor the topic's creator (is_outgoing)
NO_RIGHTS_TO_TOGGLE_TOPIC = "Bad Request: not enough rights to close or open the topic"
#: the server's error name for closing a closed topic or reopening an open one: TDLib's
#: EditForumTopicQuery::on_error swallows it for users and passes it on to bots
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
#: the server's error name for a message to a closed topic from someone who may not write there
#: (TDLib MessagesManager.cpp / ForumTopicManager::can_send_message_to_forum_topic: only the
#: topic's creator and administrators with can_manage_topics; DraftMessageManager.cpp names it)
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
#: UNVERIFIED: closing or reopening a topic that does not exist (never made, or deleted) is
#: answered by Telegram's servers (TDLib does not check it for bots); the emulator gives the
#: words of the same refusal for sending (THREAD_NOT_FOUND), where clients also meet TOPIC_ID_INVALID
TOGGLE_UNKNOWN_TOPIC = THREAD_NOT_FOUND

# -- deleting: TDLib MessagesManager.cpp delete_messages (can_delete_message, can_revoke_message) ---------
CANT_DELETE = "Bad Request: message can't be deleted"
CANT_DELETE_FOR_EVERYONE = "Bad Request: message can't be deleted for everyone"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"

# -- markup, replies, forwards ---------------------------------------------------------------------------
#: TDLib ReplyMarkup.cpp get_reply_markup(only_inline_keyboard=true): edits take inline keyboards only
INLINE_KEYBOARD_EXPECTED = "Bad Request: inline keyboard expected"
#: Client.cpp fail_query_with_error: REPLY_MARKUP_TOO_LONG (the server's cap is not published)
REPLY_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
#: the server's error name, passed through unchanged (TDLib MessagesManager.cpp handles it by name)
QUOTE_TEXT_INVALID = "Bad Request: QUOTE_TEXT_INVALID"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
#: TDLib MessagesManager.cpp forward_message: "The message can't be forwarded" / "... copied";
#: can_forward_message lets bots copy protected content, never forward it
CANT_FORWARD = "Bad Request: the message can't be forwarded"
CANT_COPY = "Bad Request: the message can't be copied"
#: TDLib MessagesManager.cpp can_edit_message: forwarded messages and messages with a reply keyboard
CANT_EDIT = "Bad Request: message can't be edited"

# -- files ------------------------------------------------------------------------------------------------
#: TDLib files/FileLoaderUtils.cpp check_local_location
FILE_EMPTY = "Bad Request: file must be non-empty"
MAX_PHOTO_BYTES = 10 * (1 << 20)  # FileLoaderUtils.cpp MAX_PHOTO_SIZE
MAX_UPLOAD_BYTES = 50 * (1 << 20)  # the Bot API's documented 50 MB for other files
PHOTO_TOO_BIG = ("Bad Request: file of size {size} bytes is too big for a photo; "
                 f"the maximum size is {MAX_PHOTO_BYTES} bytes")
#: api.telegram.org's answer to an upload over 50 MB (HTTP 413)
ENTITY_TOO_LARGE = "Request Entity Too Large"
#: Client.cpp do_get_file: bots download files of at most 20 MB (Client.h MAX_DOWNLOAD_FILE_SIZE)
MAX_DOWNLOAD_BYTES = 20 << 20
FILE_TOO_BIG = "Bad Request: file is too big"

# -- bot profile and commands ------------------------------------------------------------------------------
#: TDLib misc.cpp validate_bot_language_code (setMyCommands, setMyName, setMyDescription, ...)
INVALID_LANGUAGE_CODE = "Bad Request: invalid language code specified"
#: Client.cpp get_bot_command_scope
SCOPE_UNSUPPORTED = "Bad Request: can't parse BotCommandScope: Unsupported type specified"
SCOPE_NOT_OBJECT = "Bad Request: can't parse BotCommandScope: BotCommandScope must be an Object"
SCOPE_NO_TYPE = "Bad Request: can't parse BotCommandScope: Can't find field \"type\""  # tdutils JsonBuilder.cpp
SCOPE_EMPTY_CHAT = "Bad Request: can't parse BotCommandScope: Empty chat_id specified"
SCOPE_BAD_USER = "Bad Request: can't parse BotCommandScope: Invalid user_id specified"
#: TDLib BotCommand.cpp set_commands
COMMAND_EMPTY = "Bad Request: command must be non-empty"
COMMAND_TOO_LONG = "Bad Request: command length must not exceed 32"
COMMAND_DESCRIPTION_EMPTY = "Bad Request: command description must be non-empty"
COMMAND_DESCRIPTION_TOO_LONG = "Bad Request: command description length must not exceed 256"
#: UNVERIFIED: Telegram's servers answer these and no public source records the words; the
#: emulator uses the server's error names for the same fields of a user's profile (a bot's name
#: is its first name, its short description its "about" text)
NAME_TOO_LONG = "Bad Request: FIRSTNAME_INVALID"
SHORT_DESCRIPTION_TOO_LONG = "Bad Request: ABOUT_TOO_LONG"
DESCRIPTION_TOO_LONG = "Bad Request: ABOUT_TOO_LONG"

# -- callback queries and locations ---------------------------------------------------------------------------
#: the server's error for messages.setBotCallbackAnswer with a url that is not a game's or a t.me
#: link to this bot
URL_INVALID = "Bad Request: URL_INVALID"
#: TDLib Location.cpp process_input_message_location (live_period outside 60..86400)
WRONG_LIVE_PERIOD = "Bad Request: wrong live location period specified"

# -- webhooks: WebhookActor.cpp start_up/check_ip_address and Client.cpp do_set_webhook -------------------------
WEBHOOK_HTTPS = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
WEBHOOK_PORT = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
WEBHOOK_RESERVED_IP = "Bad Request: bad webhook: IP address {ip} is reserved"
WEBHOOK_IPV6 = "Bad Request: bad webhook: IPv6-only addresses are not allowed"
WEBHOOK_INVALID_URL = "Bad Request: invalid webhook URL specified"
SECRET_TOO_LONG = "Bad Request: secret token is too long"
SECRET_CHARACTERS = "Bad Request: secret token contains unallowed characters"
