"""Tickets and chat in the shapes their tools emit, written for these tests (the public API
references are the model: GitHub's REST "issues" and "issue comments", Jira's REST v2/v3
"get issue" with ``expand=changelog``, Slack's workspace export, Microsoft Graph
``chatMessage``). Names, ids and texts are made up; the secrets are fake ones of the right
shape, there to be masked."""

from __future__ import annotations

from typing import Any

#: secrets planted in the texts below (each must be masked everywhere)
EMAIL = "ana.lima@example.com"
AWS_KEY = "AKIAZ7EXAMPLEKEY0042"
GITHUB_TOKEN = "ghp_Zx9Ab8Cd7Ef6Gh5Ij4Kl3Mn2Op1Qr0St9Uv8"
SLACK_TOKEN = "xoxb-20260301-8841-q9Wc3KfT7ePz"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaGVja291dCIsImlhdCI6MTc3MjM2NjQwMH0."
    "Qm9ndXNTaWduYXR1cmVGb3JUZXN0czEyMzQ1Ng"
)
PASSWORD = "Tr0ub4dor-and-3"
IP = "10.42.7.19"
IPV6 = "2001:db8:85a3::8a2e:370:7334"
CARD = "4539 1488 0343 6467"
CLIENT_SECRET = "s3cr3t-value"
SECRETS: tuple[str, ...] = (
    EMAIL,
    AWS_KEY,
    GITHUB_TOKEN,
    SLACK_TOKEN,
    JWT,
    PASSWORD,
    IP,
    IPV6,
    CARD,
    CARD.replace(" ", ""),
    CLIENT_SECRET,
)


def _gh_user(login: str, ident: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": ident,
        "node_id": f"U_kgDO{ident}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{ident}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


#: GET /repos/acme/shop/issues/12
GITHUB_ISSUE: dict[str, Any] = {
    "url": "https://api.github.com/repos/acme/shop/issues/12",
    "repository_url": "https://api.github.com/repos/acme/shop",
    "labels_url": "https://api.github.com/repos/acme/shop/issues/12/labels{/name}",
    "comments_url": "https://api.github.com/repos/acme/shop/issues/12/comments",
    "events_url": "https://api.github.com/repos/acme/shop/issues/12/events",
    "html_url": "https://github.com/acme/shop/issues/12",
    "id": 2187400012,
    "node_id": "I_kwDOKx4c2M6CYq1M",
    "number": 12,
    "title": "Checkout latency above SLO after the cartservice rollout",
    "user": _gh_user("ana-oncall", 7701),
    "labels": [
        {"id": 601, "node_id": "LA_1", "name": "incident", "color": "d73a4a", "default": False},
        {"id": 602, "node_id": "LA_2", "name": "sev2", "color": "e99695", "default": False},
    ],
    "state": "closed",
    "locked": False,
    "assignee": None,
    "assignees": [],
    "milestone": None,
    "comments": 2,
    "created_at": "2026-03-01T12:06:00Z",
    "updated_at": "2026-03-01T12:56:10Z",
    "closed_at": "2026-03-01T12:55:00Z",
    "author_association": "MEMBER",
    "active_lock_reason": None,
    "body": (
        "p95 of frontend is at 900 ms since about 12:00. cartservice pods on "
        f"{IP} log timeouts. Reported by {EMAIL}.\r\n\r\nDebug header we saw: "
        f"`Authorization: Bearer {JWT}`"
    ),
    "closed_by": _gh_user("ana-oncall", 7701),
    "reactions": {
        "url": "https://api.github.com/repos/acme/shop/issues/12/reactions",
        "total_count": 0,
        "+1": 0,
        "-1": 0,
    },
    "timeline_url": "https://api.github.com/repos/acme/shop/issues/12/timeline",
    "performed_via_github_app": None,
    "state_reason": "completed",
}

#: GET /repos/acme/shop/issues/12/comments
GITHUB_COMMENTS: list[dict[str, Any]] = [
    {
        "url": "https://api.github.com/repos/acme/shop/issues/comments/3990001",
        "html_url": "https://github.com/acme/shop/issues/12#issuecomment-3990001",
        "issue_url": "https://api.github.com/repos/acme/shop/issues/12",
        "id": 3990001,
        "node_id": "IC_kwDOKx4c2M6x1",
        "user": _gh_user("ben-sre", 7702),
        "created_at": "2026-03-01T12:10:00Z",
        "updated_at": "2026-03-01T12:10:00Z",
        "author_association": "MEMBER",
        "body": "The deploy 5f8e2c1a of cartservice v1.4.2 went out at 11:58; rolling back.",
        "reactions": {"total_count": 0},
        "performed_via_github_app": None,
    },
    {
        "url": "https://api.github.com/repos/acme/shop/issues/comments/3990002",
        "html_url": "https://github.com/acme/shop/issues/12#issuecomment-3990002",
        "issue_url": "https://api.github.com/repos/acme/shop/issues/12",
        "id": 3990002,
        "node_id": "IC_kwDOKx4c2M6x2",
        "user": _gh_user("ben-sre", 7702),
        "created_at": "2026-03-01T12:40:00Z",
        "updated_at": "2026-03-01T12:41:00Z",
        "author_association": "MEMBER",
        "body": f"Rotated the leaked key {AWS_KEY} and the CI token {GITHUB_TOKEN}.",
        "reactions": {"total_count": 0},
        "performed_via_github_app": None,
    },
]

#: GET /repos/acme/shop/issues?state=all (an issue list: pull requests come with it)
GITHUB_LIST: list[dict[str, Any]] = [
    GITHUB_ISSUE,
    {
        **GITHUB_ISSUE,
        "number": 13,
        "id": 2187400013,
        "url": "https://api.github.com/repos/acme/shop/issues/13",
        "html_url": "https://github.com/acme/shop/pull/13",
        "title": "Revert cartservice to v1.4.1",
        "body": "Reverts the v1.4.2 change.",
        "state": "open",
        "closed_at": None,
        "pull_request": {
            "url": "https://api.github.com/repos/acme/shop/pulls/13",
            "html_url": "https://github.com/acme/shop/pull/13",
            "merged_at": None,
        },
    },
]


def _jira_user(name: str, account: str) -> dict[str, Any]:
    return {
        "self": f"https://acme.atlassian.net/rest/api/2/user?accountId={account}",
        "accountId": account,
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Berlin",
        "accountType": "atlassian",
    }


#: GET /rest/api/2/issue/OPS-7?expand=changelog
JIRA_V2: dict[str, Any] = {
    "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    "id": "10007",
    "self": "https://acme.atlassian.net/rest/api/2/issue/10007",
    "key": "OPS-7",
    "changelog": {
        "startAt": 0,
        "maxResults": 2,
        "total": 2,
        "histories": [
            {
                "id": "20001",
                "author": _jira_user("Carla Duty", "5b10ac8d82e05b22cc7d4ef5"),
                "created": "2026-03-01T12:08:00.000+0000",
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": "1",
                        "fromString": "Open",
                        "to": "3",
                        "toString": "In Progress",
                    }
                ],
            },
            {
                "id": "20002",
                "author": _jira_user("Carla Duty", "5b10ac8d82e05b22cc7d4ef5"),
                "created": "2026-03-01T13:50:00.000+0100",
                "items": [
                    {
                        "field": "resolution",
                        "fieldtype": "jira",
                        "fieldId": "resolution",
                        "from": None,
                        "fromString": None,
                        "to": "10000",
                        "toString": "Done",
                    },
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": "3",
                        "fromString": "In Progress",
                        "to": "10001",
                        "toString": "Done",
                    },
                ],
            },
        ],
    },
    "fields": {
        "summary": "INC-1042 checkout slow",
        "issuetype": {"id": "10004", "name": "Incident", "subtask": False},
        "priority": {"id": "2", "name": "High"},
        "status": {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
        "created": "2026-03-01T12:07:00.000+0000",
        "updated": "2026-03-01T12:50:00.000+0000",
        "reporter": _jira_user("Carla Duty", "5b10ac8d82e05b22cc7d4ef5"),
        "creator": _jira_user("Carla Duty", "5b10ac8d82e05b22cc7d4ef5"),
        "assignee": None,
        "labels": ["checkout"],
        "description": (
            "h2. What we see\nfrontend p95 up; *cartservice* errors.\n"
            f"DB login used: db_password={PASSWORD}"
        ),
        "comment": {
            "comments": [
                {
                    "self": "https://acme.atlassian.net/rest/api/2/issue/10007/comment/30001",
                    "id": "30001",
                    "author": _jira_user("Dev Ops", "5b10ac8d82e05b22cc7d4ef6"),
                    "body": f"Card number from the failing request: {CARD} (test card).",
                    "updateAuthor": _jira_user("Dev Ops", "5b10ac8d82e05b22cc7d4ef6"),
                    "created": "2026-03-01T12:20:00.000+0000",
                    "updated": "2026-03-01T12:20:00.000+0000",
                    "jsdPublic": True,
                }
            ],
            "maxResults": 1,
            "total": 1,
            "startAt": 0,
        },
    },
}


def _adf(*paragraphs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": p} for p in paragraphs],
    }


#: GET /rest/api/3/issue/OPS-8 (descriptions and comment bodies as ADF documents)
JIRA_V3: dict[str, Any] = {
    "id": "10008",
    "self": "https://acme.atlassian.net/rest/api/3/issue/10008",
    "key": "OPS-8",
    "fields": {
        "summary": "Follow-up: cart-db connection pool",
        "status": {"name": "To Do"},
        "created": "2026-03-01T12:30:00.000+0000",
        "updated": "2026-03-01T12:30:00.000+0000",
        "reporter": _jira_user("Dev Ops", "5b10ac8d82e05b22cc7d4ef6"),
        "description": _adf(
            [
                {"type": "text", "text": "Pool exhausted on "},
                {"type": "text", "text": "cartservice", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " from host "},
                {"type": "text", "text": IPV6},
            ],
            [
                {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Carla"}},
                {"type": "text", "text": " please check"},
                {"type": "hardBreak"},
                {"type": "emoji", "attrs": {"shortName": ":warning:", "text": "⚠️"}},
            ],
        ),
        "comment": {
            "comments": [
                {
                    "id": "30002",
                    "author": _jira_user("Carla Duty", "5b10ac8d82e05b22cc7d4ef5"),
                    "body": _adf([{"type": "text", "text": "Owner notified."}]),
                    "created": "2026-03-01T12:35:00.000+0000",
                    "updated": "2026-03-01T12:35:00.000+0000",
                }
            ],
            "total": 1,
        },
    },
}

#: a Slack export's users.json and channels.json
SLACK_USERS: list[dict[str, Any]] = [
    {
        "id": "U04ANA",
        "team_id": "T01ACME",
        "name": "ana",
        "real_name": "Ana Lima",
        "profile": {"real_name": "Ana Lima", "display_name": "ana", "email": EMAIL},
        "is_bot": False,
    },
    {
        "id": "U04BEN",
        "team_id": "T01ACME",
        "name": "ben",
        "real_name": "Ben Okafor",
        "profile": {"real_name": "Ben Okafor", "display_name": ""},
        "is_bot": False,
    },
]
SLACK_CHANNELS: list[dict[str, Any]] = [
    {
        "id": "C07INC",
        "name": "incidents",
        "created": 1700000000,
        "creator": "U04ANA",
        "is_archived": False,
        "is_general": False,
        "members": ["U04ANA", "U04BEN"],
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "Incident response", "creator": "U04ANA", "last_set": 1700000000},
    }
]

#: incidents/2026-03-01.json
SLACK_DAY: list[dict[str, Any]] = [
    {
        "type": "message",
        "subtype": "channel_join",
        "ts": "1772366000.000100",
        "user": "U04BEN",
        "text": "<@U04BEN> has joined the channel",
    },
    {
        "client_msg_id": "5d2b2f1c-0f6a-4d7e-9c1b-2a3b4c5d6e7f",
        "type": "message",
        "text": "<!here> checkout is slow, <@U04BEN> can you look at cartservice? "
        f"ssh to {IP} works. token={SLACK_TOKEN}",
        "user": "U04ANA",
        "ts": "1772366460.000200",
        "team": "T01ACME",
        "thread_ts": "1772366460.000200",
        "reply_count": 1,
        "reply_users": ["U04BEN"],
        "latest_reply": "1772366520.000300",
        "blocks": [],
    },
    {
        "client_msg_id": "6e3c3a2d-1a7b-4e8f-8d2c-3b4c5d6e7f80",
        "type": "message",
        "text": "looks like <https://ci.example/deploys/5f8e2c1a|deploy 5f8e2c1a> &amp; "
        "the new pool size",
        "user": "U04BEN",
        "ts": "1772366520.000300",
        "thread_ts": "1772366460.000200",
        "parent_user_id": "U04ANA",
    },
    {
        "type": "message",
        "subtype": "bot_message",
        "text": "Alert firing: HighLatency frontend",
        "ts": "1772366580.000400",
        "bot_id": "B01ALERT",
        "username": "alertmanager",
    },
]

#: GET /teams/{team-id}/channels/{channel-id}/messages?$expand=replies
TEAMS: dict[str, Any] = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('a1b2')/channels"
    "('19%3Aops%40thread.tacv2')/messages",
    "@odata.count": 3,
    "value": [
        {
            "id": "1772366700000",
            "replyToId": None,
            "etag": "1772366700000",
            "messageType": "message",
            "createdDateTime": "2026-03-01T12:05:00.123Z",
            "lastModifiedDateTime": "2026-03-01T12:05:00.123Z",
            "lastEditedDateTime": None,
            "deletedDateTime": None,
            "subject": "Checkout incident",
            "summary": None,
            "chatId": None,
            "importance": "high",
            "locale": "en-us",
            "webUrl": "https://teams.microsoft.com/l/message/19%3Aops%40thread.tacv2/1772366700000",
            "policyViolation": None,
            "eventDetail": None,
            "from": {
                "application": None,
                "device": None,
                "user": {
                    "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                    "id": "8ea0e38b-efb3-4757-924a-5f94061cf8c2",
                    "displayName": "Dana Reyes",
                    "userIdentityType": "aadUser",
                },
            },
            "body": {
                "contentType": "html",
                "content": '<div><div><at id="0">Ben</at>&nbsp;is <b>cartservice</b> '
                "healthy?<br>Client secret was <code>client_secret: " + CLIENT_SECRET + "</code>"
                "</div></div>",
            },
            "channelIdentity": {
                "teamId": "a1b2c3d4-0000-4000-8000-000000000001",
                "channelId": "19:ops@thread.tacv2",
            },
            "attachments": [],
            "mentions": [
                {
                    "id": 0,
                    "mentionText": "Ben",
                    "mentioned": {"user": {"id": "u-ben", "displayName": "Ben Okafor"}},
                }
            ],
            "reactions": [],
            "replies": [
                {
                    "id": "1772366760000",
                    "replyToId": "1772366700000",
                    "messageType": "message",
                    "createdDateTime": "2026-03-01T12:06:00Z",
                    "lastModifiedDateTime": "2026-03-01T12:06:00Z",
                    "deletedDateTime": None,
                    "subject": None,
                    "from": {"user": {"id": "u-ben", "displayName": "Ben Okafor"}},
                    "body": {"contentType": "text", "content": "No, rolling back v1.4.2"},
                    "channelIdentity": {
                        "teamId": "a1b2c3d4-0000-4000-8000-000000000001",
                        "channelId": "19:ops@thread.tacv2",
                    },
                }
            ],
        },
        {
            "id": "1772366800000",
            "replyToId": None,
            "messageType": "message",
            "createdDateTime": "2026-03-01T12:06:40Z",
            "lastModifiedDateTime": "2026-03-01T12:07:00Z",
            "deletedDateTime": "2026-03-01T12:07:00Z",
            "from": None,
            "body": {"contentType": "text", "content": ""},
            "channelIdentity": {"teamId": "a1b2", "channelId": "19:ops@thread.tacv2"},
        },
        {
            "id": "1772366900000",
            "replyToId": None,
            "messageType": "systemEventMessage",
            "createdDateTime": "2026-03-01T12:08:20Z",
            "from": None,
            "body": {"contentType": "html", "content": "<systemEventMessage/>"},
            "eventDetail": {
                "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
                "members": [{"id": "u-erin", "displayName": "Erin"}],
            },
            "channelIdentity": {"teamId": "a1b2", "channelId": "19:ops@thread.tacv2"},
        },
    ],
}
