/**
 * Every string the page shows, in English and Simplified Chinese. The server
 * renders the first paint from it and the browser bundle imports it for
 * everything drawn later, so the two never disagree.
 *
 * An entry is a string with `{name}` placeholders, or — for anything with a
 * count — one string per plural category (`Intl.PluralRules`).
 */
export type Entry = string | { readonly one?: string; readonly other: string };

const en = {
  "app.title": "Rooms",
  "app.skip": "Skip to the conversation",
  "app.brand": "Rooms",

  "login.heading": "Pick a name",
  "login.label": "Display name",
  "login.placeholder": "e.g. alice",
  "login.hint": "1–{max} characters: letters, digits, spaces, _ . -",
  "login.submit": "Enter the chat",
  "login.invalid": "That name can't be used. Use 1–{max} letters, digits, spaces, _ . -",
  "login.lead": "Talk in rooms, write to everyone, or message one person privately.",

  "header.rooms": "Rooms and conversations",
  "header.people": "People here",
  "header.language": "Language",
  "header.theme": "Colour theme",
  "header.menu": "Settings",
  "theme.auto": "Auto",
  "theme.light": "Light",
  "theme.dark": "Dark",

  "conn.connected": "connected",
  "conn.reconnecting": "reconnecting",
  "conn.offline": "offline",
  "queued": { one: "{count} message waiting to send", other: "{count} messages waiting to send" },

  "me.you": "{name} (you)",
  "me.socket": "socket {id}",

  "sidebar.rooms": "Rooms",
  "sidebar.newRoom": "New room name",
  "sidebar.newRoomPlaceholder": "new room",
  "sidebar.create": "Create",
  "sidebar.conversations": "Conversations",
  "sidebar.close": "Close",
  "room.members": { one: "{count} connection", other: "{count} connections" },
  "room.open": "Open room {room}",
  "room.joined": "joined",
  "room.join": "Join room {room}",
  "room.unread": { one: "{count} unread message", other: "{count} unread messages" },

  "channel.everyone": "Everyone",
  "channel.everyoneSub": "messages to everyone connected",
  "channel.roomSub": { one: "{count} here", other: "{count} here" },
  "channel.dmSub": "private · socket {id}",
  "channel.leave": "Leave room",

  "people.heading": "People here",
  "people.hint": "Choose someone to message them privately.",
  "people.none": "Open a room to see who is there.",
  "people.message": "Message {name} privately",

  "messages.label": "Messages in {title}",
  "messages.older": "Load older messages",
  "messages.loading": "Loading…",
  "messages.empty": "No messages yet. Say hello!",
  "messages.newPill": { one: "{count} new message", other: "{count} new messages" },
  "messages.mine": "{name} (you)",
  "messages.announce": "{name}: {text}",

  "day.today": "Today",
  "day.yesterday": "Yesterday",
  "time.justNow": "just now",

  "pending.sending": "sending…",
  "pending.queued": "queued — will send when connected",
  "pending.failed": "not sent: {reason}",

  "notice.joined": "{name} joined",
  "notice.left": "{name} left",

  "typing.one": "{names} is typing…",
  "typing.many": "{names} are typing…",

  "composer.label": "Message",
  "composer.placeholder": "Write a message",
  "composer.hint": "Enter to send, Shift+Enter for a new line, Up arrow in an empty box to edit your last message",
  "composer.send": "Send",
  "composer.emoji": "Insert an emoji",
  "composer.emojiPanel": "Emoji",
  "composer.count": "{n} / {max}",
  "composer.left": { one: "{n} character left", other: "{n} characters left" },
  "composer.over": { one: "{n} character over the limit", other: "{n} characters over the limit" },
  "composer.tooLong": "Too long to send: {n} characters, and the limit is {max}. Shorten it, then send it.",

  "notify.enable": "Turn on notifications",
  "notify.on": "Notifications are on",
  "notify.blocked": "Notifications are blocked by the browser",
  "notify.private": "{name} (private)",
  "notify.mention": "{name} in #{room}",
  "notify.title": "({count}) {title}",

  "error.INVALID_INPUT": "That was not accepted. Check it and try again.",
  "error.UNAUTHORIZED": "Your session is no longer valid; starting a new one.",
  "error.FORBIDDEN": "That is not allowed.",
  "error.NOT_FOUND": "That no longer exists.",
  "error.NOT_IN_ROOM": "Join the room before writing in it.",
  "error.RATE_LIMITED": "Slow down a little, then try again.",
  "error.UNAVAILABLE": "The server can't store messages right now; it will retry.",
  "error.INTERNAL": "Something went wrong on the server.",
  "error.peerGone": "That person is no longer connected on that socket.",
  "error.join": "Could not join {room}: {reason}",
  "error.roomName": "Room names are 1–{max} letters, digits, _ or -.",
  "error.roomsFull": "There are too many rooms already; join one of them.",

  "page.notFound": "Not found",
  "page.error": "Something went wrong",
  "page.badRequest": "Bad request",
  "page.back": "Back to the chat",

  "actions.label": "Actions for the message from {name}",
  "actions.reply": "Reply",
  "actions.react": "React",
  "actions.edit": "Edit",
  "actions.delete": "Delete",
  "message.edited": "edited",
  "message.deleted": "message deleted",
  "reaction.label": { one: "{emoji}: {count} reaction, {names}", other: "{emoji}: {count} reactions, {names}" },
  "reaction.add": "React with {emoji}",
  "reply.banner": "Replying to {name}: {text}",
  "reply.cancel": "Cancel the reply",
  "reply.quote": "Reply to {name}: {text}",
  "reply.jump": "Show the original message",
  "edit.banner": "Editing your message",
  "edit.cancel": "Cancel editing",
  "composer.save": "Save",
  "delete.title": "Delete this message?",
  "delete.body": "Everyone will see “message deleted” in its place.",
  "delete.confirm": "Delete",
  "delete.cancel": "Keep it",

  "search.label": "Search messages",
  "search.placeholder": "Search messages",
  "search.submit": "Search",
  "search.results": { one: "{count} message found", other: "{count} messages found" },
  "search.resultsMore": { other: "{count}+ messages found" },
  "search.none": "No results",
  "search.more": "More results",
  "search.close": "Close the search results",
  "search.heading": "Search results",
  "people.away": "away",
  "people.conversations": "People you talked with",
  "mention.count": { one: "{count} mention", other: "{count} mentions" },
  "mention.suggestions": "People to mention",
  "notify.mentionDm": "{name} mentioned you",
} as const satisfies Record<string, Entry>;

export type MessageKey = keyof typeof en;
export type Catalogue = Readonly<Record<MessageKey, Entry>>;

const zhCN: Catalogue = {
  "app.title": "聊天室",
  "app.skip": "跳到会话",
  "app.brand": "聊天室",

  "login.heading": "起个名字",
  "login.label": "显示名称",
  "login.placeholder": "例如：小明",
  "login.hint": "1–{max} 个字符：文字、数字、空格、_ . -",
  "login.submit": "进入聊天",
  "login.invalid": "这个名字不能用。请使用 1–{max} 个文字、数字、空格、_ . -",
  "login.lead": "在房间里聊天、给所有人发消息，或者私聊某个人。",

  "header.rooms": "房间和会话",
  "header.people": "在线的人",
  "header.language": "语言",
  "header.theme": "颜色主题",
  "header.menu": "设置",
  "theme.auto": "跟随系统",
  "theme.light": "浅色",
  "theme.dark": "深色",

  "conn.connected": "已连接",
  "conn.reconnecting": "正在重连",
  "conn.offline": "离线",
  "queued": { other: "{count} 条消息等待发送" },

  "me.you": "{name}（我）",
  "me.socket": "连接 {id}",

  "sidebar.rooms": "房间",
  "sidebar.newRoom": "新房间名称",
  "sidebar.newRoomPlaceholder": "新房间",
  "sidebar.create": "创建",
  "sidebar.conversations": "会话",
  "sidebar.close": "关闭",
  "room.members": { other: "{count} 个连接" },
  "room.open": "打开房间 {room}",
  "room.joined": "已加入",
  "room.join": "加入房间 {room}",
  "room.unread": { other: "{count} 条未读消息" },

  "channel.everyone": "所有人",
  "channel.everyoneSub": "发给所有在线的人",
  "channel.roomSub": { other: "{count} 人在线" },
  "channel.dmSub": "私聊 · 连接 {id}",
  "channel.leave": "离开房间",

  "people.heading": "在线的人",
  "people.hint": "点选一个人即可私聊。",
  "people.none": "打开一个房间，看看谁在那里。",
  "people.message": "私聊 {name}",

  "messages.label": "{title} 中的消息",
  "messages.older": "加载更早的消息",
  "messages.loading": "正在加载…",
  "messages.empty": "还没有消息，打个招呼吧！",
  "messages.newPill": { other: "{count} 条新消息" },
  "messages.mine": "{name}（我）",
  "messages.announce": "{name}：{text}",

  "day.today": "今天",
  "day.yesterday": "昨天",
  "time.justNow": "刚刚",

  "pending.sending": "正在发送…",
  "pending.queued": "排队中，连接后发送",
  "pending.failed": "未发送：{reason}",

  "notice.joined": "{name} 加入了",
  "notice.left": "{name} 离开了",

  "typing.one": "{names} 正在输入…",
  "typing.many": "{names} 正在输入…",

  "composer.label": "消息",
  "composer.placeholder": "输入消息",
  "composer.hint": "Enter 发送，Shift+Enter 换行，输入框为空时按向上键编辑你的上一条消息",
  "composer.send": "发送",
  "composer.emoji": "插入表情",
  "composer.emojiPanel": "表情",
  "composer.count": "{n} / {max}",
  "composer.left": { other: "还可输入 {n} 个字符" },
  "composer.over": { other: "超出上限 {n} 个字符" },
  "composer.tooLong": "消息太长，无法发送：共 {n} 个字符，上限为 {max} 个。请删减后再发送。",

  "notify.enable": "开启通知",
  "notify.on": "通知已开启",
  "notify.blocked": "浏览器已禁止通知",
  "notify.private": "{name}（私信）",
  "notify.mention": "{name} 在 #{room}",
  "notify.title": "({count}) {title}",

  "error.INVALID_INPUT": "内容不被接受，请检查后重试。",
  "error.UNAUTHORIZED": "会话已失效，正在开始新的会话。",
  "error.FORBIDDEN": "不允许这样做。",
  "error.NOT_FOUND": "它已经不存在了。",
  "error.NOT_IN_ROOM": "请先加入房间再发言。",
  "error.RATE_LIMITED": "慢一点，稍后再试。",
  "error.UNAVAILABLE": "服务器暂时无法保存消息，会自动重试。",
  "error.INTERNAL": "服务器出错了。",
  "error.peerGone": "对方已不在那个连接上。",
  "error.join": "无法加入 {room}：{reason}",
  "error.roomName": "房间名为 1–{max} 个文字、数字、_ 或 -。",
  "error.roomsFull": "房间已经太多了，请加入现有的房间。",

  "page.notFound": "页面不存在",
  "page.error": "出错了",
  "page.badRequest": "请求有误",
  "page.back": "回到聊天",

  "actions.label": "{name} 的消息的操作",
  "actions.reply": "回复",
  "actions.react": "回应",
  "actions.edit": "编辑",
  "actions.delete": "删除",
  "message.edited": "已编辑",
  "message.deleted": "消息已删除",
  "reaction.label": { other: "{emoji}：{count} 个回应，{names}" },
  "reaction.add": "用 {emoji} 回应",
  "reply.banner": "回复 {name}：{text}",
  "reply.cancel": "取消回复",
  "reply.quote": "回复 {name}：{text}",
  "reply.jump": "查看原消息",
  "edit.banner": "正在编辑你的消息",
  "edit.cancel": "取消编辑",
  "composer.save": "保存",
  "delete.title": "删除这条消息？",
  "delete.body": "所有人都会在原处看到“消息已删除”。",
  "delete.confirm": "删除",
  "delete.cancel": "保留",

  "search.label": "搜索消息",
  "search.placeholder": "搜索消息",
  "search.submit": "搜索",
  "search.results": { other: "找到 {count} 条消息" },
  "search.resultsMore": { other: "找到 {count}+ 条消息" },
  "search.none": "没有结果",
  "search.more": "更多结果",
  "search.close": "关闭搜索结果",
  "search.heading": "搜索结果",
  "people.away": "离线",
  "people.conversations": "聊过天的人",
  "mention.count": { other: "{count} 次提及" },
  "mention.suggestions": "可以提及的人",
  "notify.mentionDm": "{name} 提到了你",
};

export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, "zh-CN": zhCN };

/** What the language switch shows for each locale: its own name, in itself. */
export const LOCALE_LABELS: Readonly<Record<Locale, string>> = { en: "English", "zh-CN": "中文" };
