//! Campaigns (issue 10, part 2): one election, one pledge, several ceremonies, and an
//! official signs once in it. Through the real API on a real SQLite file: a second
//! ceremony leaves out who already signed, a second signature is refused wherever it is
//! tried, closing routes to mandiri only who has not signed in the campaign, the
//! campaign report counts per current OPD for the roles that may read it, and the
//! offline audit passes.

mod common;

use chrono::Duration;
use common::*;
use serde_json::{Value, json};

fn create_campaign(app: &TestApp, pledge: u64) -> u64 {
    let reply = app.post(
        "/api/campaigns",
        Some(ADMIN),
        &json!({"title": "Pilkada Serentak 2024", "pledge_id": pledge}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_u64().unwrap()
}

fn campaign_ceremony(app: &TestApp, campaign: u64, title: &str, invite: Value) -> u64 {
    let reply = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": title,
            "place": "Pendopo Kabupaten",
            "starts_at": "2024-10-07T09:00:00+07:00",
            "timezone": "Asia/Jakarta",
            "campaign": campaign,
            "invite": invite,
            "mandiri_days": 7
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_u64().unwrap()
}

fn verify_passes(app: &TestApp) -> String {
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn opd<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["opds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

/// The season every test here starts from: the four officials enrolled, a campaign,
/// the heads' ceremony at the pendopo (Andi and Budi) in which Andi signs and which
/// closes with Budi routed to mandiri, then the staff ceremony for everyone.
struct Season {
    app: TestApp,
    campaign: u64,
    pendopo: u64,
    staff: u64,
    keys: Vec<(&'static str, ed25519_dalek::SigningKey)>,
}

impl Season {
    fn key(&self, nip: &str) -> &ed25519_dalek::SigningKey {
        &self.keys.iter().find(|(n, _)| *n == nip).unwrap().1
    }
}

fn season() -> Season {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let keys: Vec<_> = [ANDI, SITI, BUDI, RINA]
        .into_iter()
        .map(|nip| (nip, app.enroll(nip)))
        .collect();
    let pledge = app.publish_pledge();
    let campaign = create_campaign(&app, pledge);
    let pendopo = campaign_ceremony(
        &app,
        campaign,
        "Ikrar Pejabat di Pendopo",
        json!({"nips": [ANDI, BUDI]}),
    );
    let staff = campaign_ceremony(&app, campaign, "Ikrar Seluruh OPD", json!({"all": true}));
    app.open(pendopo);
    for nip in [ANDI, BUDI] {
        assert_eq!(app.check_in(pendopo, nip, ADMIN).status, 201);
    }
    let season = Season {
        app,
        campaign,
        pendopo,
        staff,
        keys,
    };
    let signed = season.app.sign(pendopo, ANDI, season.key(ANDI));
    assert_eq!(signed.status, 201, "{}", signed.text);
    let closed = season.app.close(pendopo);
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(
        closed.body["routed_to_mandiri"], 1,
        "Budi, absent from signing"
    );
    season
}

#[test]
fn a_later_ceremony_of_the_campaign_leaves_out_who_already_signed() {
    let s = season();
    let opened = s.app.post(
        &format!("/api/ceremonies/{}/open", s.staff),
        Some(ADMIN),
        &json!({}),
    );
    assert_eq!(opened.status, 200, "{}", opened.text);
    assert_eq!(opened.body["invited"], 3, "Siti, Budi and Rina");
    assert_eq!(
        opened.body["excluded_already_signed"], 1,
        "Andi signed at the pendopo"
    );
    let details = s.app.get(&format!("/api/ceremonies/{}", s.staff), None);
    assert_eq!(details.body["campaign"], s.campaign);
    assert_eq!(details.body["excluded_already_signed"], 1);
    // Andi is not invited, so the desk cannot check him in.
    let andi = s.app.check_in(s.staff, ANDI, ADMIN);
    assert_eq!(andi.error_code(), "not_invited", "{}", andi.text);

    // The log says which campaign the ceremony belongs to; a ceremony outside any
    // campaign keeps the old bytes.
    let entries = s.app.get("/api/registry/entries?start=0&limit=100", None);
    let texts: Vec<String> = entries.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            String::from_utf8(
                pakta::domain::crypto::decode_base64("bytes", e["bytes"].as_str().unwrap())
                    .unwrap(),
            )
            .unwrap()
        })
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("kind: campaign.created\n")
            && t.contains("title: Pilkada Serentak 2024\n"))
    );
    let opened_entries: Vec<&String> = texts
        .iter()
        .filter(|t| t.contains("kind: ceremony.opened\n"))
        .collect();
    assert_eq!(opened_entries.len(), 2);
    for t in opened_entries {
        assert!(t.ends_with(&format!("campaign: {}\n", s.campaign)), "{t}");
    }
    verify_passes(&s.app);
}

#[test]
fn an_official_signs_once_per_campaign_wherever_they_try_again() {
    let s = season();
    s.app.open(s.staff);
    // Budi, routed to mandiri at the pendopo, gets his mandiri statement there...
    let mandiri = s.app.statement(s.pendopo, BUDI, s.key(BUDI));
    assert_eq!(mandiri.status, 200, "{}", mandiri.text);
    assert_eq!(mandiri.body["mode"], "mandiri");
    let mandiri_statement = mandiri.body["statement"].as_str().unwrap().to_string();
    // ...but signs at the staff ceremony instead.
    assert_eq!(s.app.check_in(s.staff, BUDI, ADMIN).status, 201);
    let signed = s.app.sign(s.staff, BUDI, s.key(BUDI));
    assert_eq!(signed.status, 201, "{}", signed.text);

    // The mandiri statement he already holds is refused when signed...
    let second = s.app.submit(&mandiri_statement, s.key(BUDI));
    assert_eq!(second.status, 409, "{}", second.text);
    assert_eq!(second.error_code(), "already_signed_in_campaign");
    assert!(
        second.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("upacara {} (Ikrar Seluruh OPD)", s.staff)),
        "{}",
        second.text
    );
    // ...and a new one is refused too, but only once his request proves who he is.
    let again = s.app.statement(s.pendopo, BUDI, s.key(BUDI));
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.error_code(), "already_signed_in_campaign");
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[0x42; 32]);
    let unproved = s.app.statement(s.pendopo, BUDI, &stranger);
    assert_eq!(unproved.status, 401, "{}", unproved.text);
    assert_eq!(unproved.error_code(), "request_not_authenticated");

    // Closing the staff ceremony routes only who has not signed in the campaign.
    let closed = s.app.close(s.staff);
    assert_eq!(
        closed.body["routed_to_mandiri"], 2,
        "Siti and Rina: {}",
        closed.text
    );
    verify_passes(&s.app);
}

#[test]
fn the_campaign_report_counts_each_official_once_per_current_unit() {
    let s = season();
    s.app.open(s.staff);
    assert_eq!(s.app.check_in(s.staff, SITI, ADMIN).status, 201);
    assert_eq!(s.app.sign(s.staff, SITI, s.key(SITI)).status, 201);
    let report = s.app.get(
        &format!("/api/campaigns/{}/report", s.campaign),
        Some(ADMIN),
    );
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["title"], "Pilkada Serentak 2024");
    let disdik = opd(&report.body, "DISDIK");
    assert_eq!(
        (
            disdik["invited"].as_u64(),
            disdik["signed"].as_u64(),
            disdik["pending"].as_u64()
        ),
        (Some(2), Some(2), Some(0)),
        "Andi at the pendopo, Siti at the staff ceremony: {disdik}"
    );
    assert_eq!(disdik["ready_for_recap"], true);
    let dinkes = opd(&report.body, "DINKES");
    assert_eq!(
        (
            dinkes["invited"].as_u64(),
            dinkes["signed"].as_u64(),
            dinkes["pending"].as_u64()
        ),
        (Some(2), Some(0), Some(2)),
        "{dinkes}"
    );
    assert_eq!(dinkes["represented"], 0);

    // After both ceremonies closed and the mandiri due dates passed, the unsigned are
    // overdue.
    assert_eq!(s.app.close(s.staff).status, 200);
    s.app.advance(Duration::days(30));
    let report = s.app.get(
        &format!("/api/campaigns/{}/report", s.campaign),
        Some(ADMIN),
    );
    let dinkes = opd(&report.body, "DINKES");
    assert_eq!(
        (dinkes["pending"].as_u64(), dinkes["overdue"].as_u64()),
        (Some(0), Some(2)),
        "{dinkes}"
    );
    let unsigned = s.app.get(
        &format!("/api/campaigns/{}/unsigned?opd=DINKES", s.campaign),
        Some(ADMIN),
    );
    assert_eq!(unsigned.status, 200, "{}", unsigned.text);
    let names: Vec<&str> = unsigned.body["opds"][0]["unsigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Budi Santoso", "Rina Marlina"]);
    verify_passes(&s.app);
}

#[test]
fn the_campaign_report_and_list_follow_the_roles_of_the_ceremony_report() {
    let s = season();
    let path = |what: &str| format!("/api/campaigns/{}/{what}", s.campaign);
    let supervisor = s.app.token(json!({"role": "supervisor", "opd": "DINKES"}));
    let auditor = s.app.token(json!({"role": "auditor"}));
    let inspektorat = s.app.token(json!({"role": "inspektorat"}));
    let operator = s
        .app
        .token(json!({"role": "operator", "ceremony": s.staff}));

    let own = s.app.get(&path("report"), Some(&supervisor));
    assert_eq!(own.status, 200, "{}", own.text);
    let codes: Vec<&str> = own.body["opds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DINKES"], "a supervisor sees their own OPD only");
    assert_eq!(
        s.app
            .get(&format!("{}?opd=DISDIK", path("report")), Some(&supervisor))
            .status,
        403
    );
    assert_eq!(s.app.get(&path("report"), Some(&auditor)).status, 200);
    assert_eq!(
        s.app.get(&path("unsigned"), Some(&auditor)).status,
        403,
        "auditors read counts only"
    );
    assert_eq!(s.app.get(&path("unsigned"), Some(&inspektorat)).status, 200);
    assert_eq!(s.app.get(&path("unsigned"), Some(&supervisor)).status, 200);
    assert_eq!(s.app.get(&path("report"), Some(&operator)).status, 403);
    assert_eq!(s.app.get(&path("report"), None).status, 401);
    assert_eq!(s.app.get(&path("unsigned"), None).status, 401);

    // Reads of names are in the access log.
    let log = s.app.get("/api/access-log", Some(ADMIN));
    assert!(
        log.text
            .contains(&format!("campaign {}, OPD DINKES", s.campaign)),
        "{}",
        log.text
    );

    // The public campaign list has titles and ceremonies and no person.
    let public = s.app.get("/api/campaigns", None);
    assert_eq!(public.status, 200);
    let campaign = &public.body["campaigns"][0];
    assert_eq!(campaign["title"], "Pilkada Serentak 2024");
    let ceremonies: Vec<u64> = campaign["ceremonies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ceremonies, [s.pendopo, s.staff]);
    for nip in [ANDI, SITI, BUDI, RINA] {
        assert!(!public.text.contains(nip));
    }
    assert!(!public.text.contains("Andi"));
    let one = s.app.get(&format!("/api/campaigns/{}", s.campaign), None);
    assert_eq!(one.body["pledge"]["id"], campaign["pledge"]["id"]);
    assert_eq!(
        s.app.get("/api/campaigns/99", None).error_code(),
        "unknown_campaign"
    );
}

#[test]
fn a_campaign_ceremony_takes_the_campaigns_pledge() {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let pledge = app.publish_pledge();
    let other = app.publish_pledge();
    let campaign = create_campaign(&app, pledge);
    let body = |pledge_id: Value| {
        json!({
            "title": "Ikrar", "place": "Aula", "starts_at": "2024-10-07T09:00:00+07:00",
            "campaign": campaign, "pledge_id": pledge_id, "invite": {"all": true}
        })
    };
    let refused = app.post("/api/ceremonies", Some(ADMIN), &body(json!(other)));
    assert_eq!(
        refused.error_code(),
        "pledge_not_campaign",
        "{}",
        refused.text
    );
    let same = app.post("/api/ceremonies", Some(ADMIN), &body(json!(pledge)));
    assert_eq!(same.status, 201, "{}", same.text);
    let details = app.get(&format!("/api/ceremonies/{}", same.body["id"]), None);
    assert_eq!(details.body["pledge"]["id"], pledge);
    let unknown = app.post(
        "/api/campaigns",
        Some(ADMIN),
        &json!({"title": "Pilkada", "pledge_id": 99}),
    );
    assert_eq!(unknown.error_code(), "unknown_pledge");
    let not_admin = app.post(
        "/api/campaigns",
        None,
        &json!({"title": "Pilkada", "pledge_id": pledge}),
    );
    assert_eq!(not_admin.status, 401);
}

#[test]
fn signing_in_two_ceremonies_of_a_campaign_at_once_gives_each_official_one_signature() {
    const OFFICIALS: usize = 150;
    let app = TestApp::spawn();
    let kab = pakta::demo::kabupaten::DemoKabupaten::generate(11, OFFICIALS);
    assert_eq!(app.import(&kab.roster_csv()).body["created"], OFFICIALS);
    let nips: Vec<String> = kab.officials.iter().map(|o| o.nip.clone()).collect();
    let officials: Vec<(String, ed25519_dalek::SigningKey)> = in_parallel(16, nips, |nip| {
        let key = app.enroll(&nip);
        (nip, key)
    });
    let pledge = app.publish_pledge();
    let campaign = create_campaign(&app, pledge);
    // Both ceremonies open before anyone signs, so everyone is invited to both.
    let ceremonies = [
        campaign_ceremony(&app, campaign, "Ikrar Gelombang 1", json!({"all": true})),
        campaign_ceremony(&app, campaign, "Ikrar Gelombang 2", json!({"all": true})),
    ];
    for c in ceremonies {
        app.open(c);
    }
    let check_ins: Vec<(u64, String)> = officials
        .iter()
        .flat_map(|(nip, _)| ceremonies.map(|c| (c, nip.clone())))
        .collect();
    in_parallel(16, check_ins, |(c, nip)| {
        assert_eq!(app.check_in(c, &nip, ADMIN).status, 201);
    });
    // Each official's device holds a statement for each ceremony...
    let statements: Vec<(usize, u64, String)> = in_parallel(
        16,
        officials
            .iter()
            .enumerate()
            .flat_map(|(i, _)| ceremonies.map(|c| (i, c)))
            .collect(),
        |(i, c)| {
            let (nip, key) = &officials[i];
            let issued = app.statement(c, nip, key);
            assert_eq!(issued.status, 200, "{}", issued.text);
            (i, c, issued.body["statement"].as_str().unwrap().to_string())
        },
    );
    // ...and both are signed at the same moment, from different threads.
    let mut submissions = statements;
    submissions.sort_by_key(|(i, c, _)| (*i, *c));
    let outcomes: Vec<(usize, u16, String)> = in_parallel(32, submissions, |(i, _, statement)| {
        let reply = app.submit(&statement, &officials[i].1);
        let code = if reply.status == 201 {
            String::new()
        } else {
            reply.error_code().to_string()
        };
        (i, reply.status, code)
    });
    let mut accepted = vec![0; OFFICIALS];
    for (i, status, code) in &outcomes {
        match status {
            201 => accepted[*i] += 1,
            409 => assert_eq!(code, "already_signed_in_campaign"),
            other => panic!("unexpected {other} {code}"),
        }
    }
    assert!(
        accepted.iter().all(|n| *n == 1),
        "every official exactly one signature: {accepted:?}"
    );
    let report = app.get(&format!("/api/campaigns/{campaign}/report"), Some(ADMIN));
    let signed: u64 = report.body["opds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["signed"].as_u64().unwrap())
        .sum();
    assert_eq!(signed, OFFICIALS as u64);
    for c in ceremonies {
        assert_eq!(app.close(c).body["routed_to_mandiri"], 0);
    }
    let out = verify_passes(&app);
    assert!(out.contains("OK:"), "{out}");
}
