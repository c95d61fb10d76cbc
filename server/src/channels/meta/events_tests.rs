use super::*;

const PAGE: &str = "104719482392816";
const PSID: &str = "7300112233445566";

fn wrap(events: &str) -> Vec<u8> {
    format!(r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1732190000000,"messaging":[{events}]}}]}}"#)
        .into_bytes()
}

fn one(event: &str) -> InboundEvent {
    let mut events = parse(&wrap(event)).expect("parses").events;
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn a_text_message_names_its_page_customer_and_mid() {
    let event = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1732190000123,
           "message":{{"mid":"m_1","text":"Olá"}}}}"#
    ));
    assert_eq!(event.page_id, PAGE);
    assert_eq!(event.customer_id, PSID);
    assert_eq!(event.timestamp, 1732190000123);
    let EventKind::Message(body) = event.kind else {
        panic!("a message")
    };
    assert_eq!(
        (body.mid.as_str(), body.text.as_deref()),
        ("m_1", Some("Olá"))
    );
}

#[test]
fn attachments_stickers_replies_and_quick_replies_are_read() {
    let event = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
           "message":{{"mid":"m_2","reply_to":{{"mid":"m_1"}},"quick_reply":{{"payload":"MENU_2"}},
           "attachments":[{{"type":"image","payload":{{"url":"https://cdn.example/a.jpg","sticker_id":369239263222822}}}},
                          {{"type":"fallback","payload":{{"url":"https://example.com","title":"Link"}}}}]}}}}"#
    ));
    let EventKind::Message(body) = event.kind else {
        panic!("a message")
    };
    assert_eq!(body.reply_to.as_deref(), Some("m_1"));
    assert_eq!(body.quick_reply.as_deref(), Some("MENU_2"));
    assert_eq!(body.attachments.len(), 2);
    assert_eq!(
        body.attachments[0].payload.sticker_id,
        Some(369239263222822)
    );
    assert_eq!(body.attachments[1].kind, "fallback");
}

#[test]
fn an_echo_belongs_to_the_customer_it_was_sent_to() {
    let event = one(&format!(
        r#"{{"sender":{{"id":"{PAGE}"}},"recipient":{{"id":"{PSID}"}},"timestamp":1,
           "message":{{"is_echo":true,"app_id":1517776481860111,"metadata":"atende:outbox:42","mid":"m_3","text":"Oi!"}}}}"#
    ));
    assert_eq!(event.customer_id, PSID);
    let EventKind::Echo {
        metadata, app_id, ..
    } = event.kind
    else {
        panic!("an echo")
    };
    assert_eq!(metadata.as_deref(), Some("atende:outbox:42"));
    assert_eq!(app_id, Some(1517776481860111));
}

#[test]
fn an_instagram_read_names_the_message_instead_of_a_watermark() {
    let body = format!(
        r#"{{"object":"instagram","entry":[{{"id":"{PAGE}","time":1,"messaging":[
           {{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
             "read":{{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA"}}}}]}}]}}"#
    );
    let events = parse(body.as_bytes()).expect("parses").events;
    assert_eq!(
        events[0].kind,
        EventKind::Read {
            watermark: 0,
            mid: Some("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA".into())
        }
    );
}

#[test]
fn delivery_read_postback_and_reaction_events_are_recognised() {
    let from_customer =
        format!(r#""sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1"#);
    let kinds: Vec<EventKind> = parse(&wrap(&format!(
        r#"{{{from_customer},"delivery":{{"mids":["m_9"],"watermark":1732190000999}}}},
           {{{from_customer},"read":{{"watermark":1732190001000}}}},
           {{{from_customer},"postback":{{"title":"Falar com atendente","payload":"HUMAN","mid":"m_p"}}}},
           {{{from_customer},"reaction":{{"mid":"m_9","action":"react","emoji":"❤","reaction":"love"}}}},
           {{{from_customer},"optin":{{"ref":"x"}}}}"#
    )))
    .expect("parses")
    .events
    .into_iter()
    .map(|e| e.kind)
    .collect();
    assert_eq!(
        kinds[0],
        EventKind::Delivery {
            mids: vec!["m_9".into()],
            watermark: 1732190000999
        }
    );
    assert_eq!(
        kinds[1],
        EventKind::Read {
            watermark: 1732190001000,
            mid: None
        }
    );
    assert!(matches!(&kinds[2], EventKind::Postback { payload: Some(p), .. } if p == "HUMAN"));
    assert!(matches!(&kinds[3], EventKind::Reaction { action, .. } if action == "react"));
    assert_eq!(
        kinds[4],
        EventKind::Unsupported {
            what: "optin".into()
        }
    );
}

#[test]
fn batched_entries_keep_their_order_and_their_own_page() {
    let body = br#"{"object":"page","entry":[
        {"id":"1","time":1,"messaging":[{"sender":{"id":"a"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m_a","text":"1"}}]},
        {"id":"2","time":2,"messaging":[{"sender":{"id":"b"},"recipient":{"id":"2"},"timestamp":2,"message":{"mid":"m_b","text":"2"}},
                                        {"sender":{"id":"c"},"recipient":{"id":"2"},"timestamp":3,"message":{"mid":"m_c","text":"3"}}]}]}"#;
    let events = parse(body).expect("parses").events;
    let pages: Vec<_> = events
        .iter()
        .map(|e| (e.page_id.as_str(), e.customer_id.as_str()))
        .collect();
    assert_eq!(pages, [("1", "a"), ("2", "b"), ("2", "c")]);
}

#[test]
fn an_event_without_a_customer_id_does_not_sink_its_batch() {
    let events = parse(&wrap(&format!(
        r#"{{"sender":{{"user_ref":"guest-1"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,"message":{{"mid":"m_g","text":"oi"}}}},
           {{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":2,"message":{{"mid":"m_ok","text":"olá"}}}}"#
    )))
    .expect("parses")
    .events;
    assert!(matches!(events[0].kind, EventKind::Unsupported { .. }));
    assert!(matches!(&events[1].kind, EventKind::Message(body) if body.mid == "m_ok"));
}

#[test]
fn only_a_body_that_is_no_payload_at_all_is_an_error() {
    assert!(parse(b"[1,2,3]").is_err());
    assert!(parse(br#"{"entry":{"id":"1"}}"#).is_err());
    assert!(parse(b"not json").is_err());
    assert_eq!(
        parse(br#"{"object":"page"}"#).map(|e| e.events.len()).ok(),
        Some(0)
    );
    // An item with nothing in it is one unsupported event, not an error.
    let events = parse(br#"{"entry":[{"id":"1","messaging":[{"timestamp":1}]}]}"#)
        .expect("parses")
        .events;
    assert!(matches!(events[0].kind, EventKind::Unsupported { .. }));
}

// Meta's documented shapes that once sank their whole delivery (samples after
// developers.facebook.com/docs/messenger-platform/reference/webhook-events and
// developers.facebook.com/docs/instagram-platform/webhooks/examples).

const STORY_REPLY_AND_TEXT: &str = r#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1733000000500,"messaging":[{"sender":{"id":"1234567890123456"},"recipient":{"id":"17841400000000001"},"timestamp":1733000000123,"message":{"mid":"aWdfZAG1faXRlbTpzdG9yeXJlcGx5","text":"Que lindo!","reply_to":{"story":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000002&signature=XyZ","id":"17900000000000002"}}}},{"sender":{"id":"1234567890123456"},"recipient":{"id":"17841400000000001"},"timestamp":1733000000456,"message":{"mid":"aWdfZAG1faXRlbTpwbGFpbnRleHQ","text":"Qual o horário de vocês?"}}]}]}"#;

const FALLBACK_WITH_NULL_PAYLOAD: &str = r#"{"object":"page","entry":[{"id":"104719482392816","time":1733000000500,"messaging":[{"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000123,"message":{"mid":"m_fallback_null_1","text":"olha isso https://youtu.be/bbo_fZAjIhg","attachments":[{"type":"fallback","payload":null,"title":"TAHITI - Heaven on Earth","url":"https://l.facebook.com/l.php?u=https%3A%2F%2Fyoutu.be%2Fbbo_fZAjIhg"}]}}]}]}"#;

pub(crate) const MIXED_BATCH: &str = r#"{"object":"page","entry":[{"id":"104719482392816","time":1733000000500,"messaging":[{"recipient":{"id":"104719482392816"},"timestamp":1733000000100,"policy_enforcement":{"action":"warning","reason":"Excessive messages"}},{"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000200,"message":{"mid":"m_ok_1","text":"Olá"}},{"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000300,"message":{"mid":"m_bad_1","attachments":"not a list"}},{"recipient":{"id":"104719482392816"},"timestamp":1733000000123,"app_roles":{"1517776481860111":["primary_receiver"]}},{"recipient":{"id":"104719482392816"},"timestamp":1733000000123,"optin":{"ref":"checkout-42","user_ref":"cbx-9f2c6a1e"}}]}]}"#;

#[test]
fn a_story_reply_and_the_text_beside_it_both_parse() {
    let parsed = parse(STORY_REPLY_AND_TEXT.as_bytes()).expect("parses");
    assert_eq!(parsed.object.as_deref(), Some("instagram"));
    let texts: Vec<_> = parsed
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Message(body) => body.text.clone(),
            other => panic!("a message, not {other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            Some("Que lindo!".to_owned()),
            Some("Qual o horário de vocês?".to_owned())
        ]
    );
}

#[test]
fn a_shared_link_with_a_null_payload_keeps_its_title_and_url() {
    let parsed = parse(FALLBACK_WITH_NULL_PAYLOAD.as_bytes()).expect("parses");
    let EventKind::Message(body) = &parsed.events[0].kind else {
        panic!("a message")
    };
    let link = &body.attachments[0];
    assert!(link.is_link());
    assert_eq!(
        link.payload.title.as_deref(),
        Some("TAHITI - Heaven on Earth")
    );
    assert!(link
        .payload
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://l.facebook.com/")));
}

#[test]
fn one_unreadable_event_leaves_the_others_of_its_batch_intact() {
    let events = parse(MIXED_BATCH.as_bytes()).expect("parses").events;
    assert_eq!(events.len(), 5);
    assert!(
        matches!(&events[0].kind, EventKind::Unsupported { what } if what == "policy_enforcement")
    );
    assert!(matches!(&events[1].kind, EventKind::Message(body) if body.mid == "m_ok_1"));
    assert!(
        matches!(&events[2].kind, EventKind::UnsupportedMessage { mid, .. } if mid == "m_bad_1"),
        "{:?}",
        events[2]
    );
    assert_eq!(events[2].customer_id, PSID);
    assert!(matches!(&events[3].kind, EventKind::Unsupported { what } if what == "app_roles"));
    assert!(matches!(&events[4].kind, EventKind::Unsupported { what } if what == "optin"));
}

#[test]
fn timestamps_in_seconds_or_strings_become_milliseconds() {
    let event = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":"1733000000",
           "postback":{{"mid":"m_pb","title":"Falar com atendente","payload":"HUMAN"}}}}"#
    ));
    assert_eq!(event.timestamp, 1_733_000_000_000);
    // No stamp at all: the entry's time.
    let event = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"delivery":{{"watermark":1}}}}"#
    ));
    assert_eq!(event.timestamp, 1_732_190_000_000);
}

#[test]
fn standby_changes_unsends_and_unsupported_content_are_kept_apart() {
    let standby = r#"{"object":"page","entry":[{"id":"104719482392816","time":1733000000500,"standby":[{"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000123,"message":{"mid":"m_standby_in_1","text":"alguém aí?"}}],"changes":[{"field":"mentions","value":{"comment_id":"1"}}]}]}"#;
    let events = parse(standby.as_bytes()).expect("parses").events;
    assert!(matches!(&events[0].kind, EventKind::Unsupported { what } if what == "standby"));
    assert_eq!(events[0].customer_id, PSID);
    assert!(
        matches!(&events[1].kind, EventKind::Unsupported { what } if what == "changes: mentions")
    );
    let deleted = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
           "message":{{"mid":"m_del","is_deleted":true}}}}"#
    ));
    assert!(matches!(deleted.kind, EventKind::Unsupported { .. }));
    let unsupported = one(&format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
           "message":{{"mid":"m_uns","is_unsupported":true}}}}"#
    ));
    assert!(
        matches!(unsupported.kind, EventKind::UnsupportedMessage { ref mid, .. } if mid == "m_uns")
    );
}
