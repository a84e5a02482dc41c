/* cloud_sip.h: the cloud's SIP messages for fuzz_sip_cloud_nua.c (included by that one target,
 * after cloud_peer.h): replies built from the daemon's own requests, the cloud's requests in a
 * dialog, its INVITEs, CANCEL and ACK handled as a proxy and a UA would. */
#ifndef SB_FUZZ_CLOUD_SIP_H
#define SB_FUZZ_CLOUD_SIP_H

static char msg[65536];

/* a reply to a request of the daemon, from its own Via, From, To, Call-ID and CSeq */
static void reply_to(const char *head, int status, const char *phrase, const char *rest, size_t rl)
{
	char v[2048], from[512] = "", to[512] = "", cid[256] = "", cseq[64] = "";
	size_t o;

	vias(head, v, sizeof v);
	hdr(head, "From", "f", from, sizeof from);
	hdr(head, "To", "t", to, sizeof to);
	hdr(head, "Call-ID", "i", cid, sizeof cid);
	hdr(head, "CSeq", NULL, cseq, sizeof cseq);
	o = (size_t)snprintf(msg, sizeof msg,
			     "SIP/2.0 %d %s\r\n%sFrom: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n",
			     status, phrase, v, from, to,
			     status > 100 && !strstr(to, "tag=") ? ";tag=fzc" : "", cid, cseq);
	peer_send(msg, compose(msg, sizeof msg, o, rest, rl));
}

static void dialog_from_invite(const char *head)
{
	char c[512] = "", t[512] = "";

	hdr(head, "Call-ID", "i", pr.d_call_id, sizeof pr.d_call_id);
	hdr(head, "From", "f", pr.d_theirs, sizeof pr.d_theirs);
	hdr(head, "To", "t", t, sizeof t);
	snprintf(pr.d_ours, sizeof pr.d_ours, "%s%s", t, strstr(t, "tag=") ? "" : ";tag=fzc");
	if (hdr(head, "Contact", "m", c, sizeof c))
		uri_of(c, pr.d_target, sizeof pr.d_target);
	pr.d_cseq = 1;
}

/* a request of the cloud to ruri, in the last dialog (its INVITE starts one: peer_invite) */
static void send_request(const char *method, const char *ruri, const char *rest, size_t rl)
{
	size_t o = (size_t)snprintf(
		msg, sizeof msg,
		"%s %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=z9hG4bKfz%u;rport\r\n"
		"Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
		"Contact: <sip:cloud@127.0.0.1:%d;transport=tls>\r\n",
		method, ruri, pr.port, ++pr.serial, pr.d_ours, pr.d_theirs, pr.d_call_id,
		strcmp(method, "ACK") == 0 ? pr.d_cseq : ++pr.d_cseq, method, pr.port);
	peer_send(msg, rest ? compose(msg, sizeof msg, o, rest, rl) : compose(msg, sizeof msg, o, "", 0));
}

static void peer_got(char *head, size_t hlen)
{
	char v[512] = "", method[16] = "";

	if (strncmp(head, "SIP/2.0 ", 8) == 0) { /* the daemon's reply to the cloud's request */
		int status = atoi(head + 8);
		if (hdr(head, "CSeq", NULL, v, sizeof v) && strstr(v, "INVITE") &&
		    hdr(head, "Call-ID", "i", v, sizeof v) && strcmp(v, pr.d_call_id) == 0 &&
		    status > 100) {
			hdr(head, "To", "t", pr.d_theirs, sizeof pr.d_theirs);
			if (hdr(head, "Contact", "m", v, sizeof v))
				uri_of(v, pr.d_target, sizeof pr.d_target);
			if (status >= 200 && status < 300)
				send_request("ACK", pr.d_target, NULL, 0);
		}
		free(head);
		return;
	}
	snprintf(method, sizeof method, "%.*s", (int)strcspn(head, " \r\n"), head);
	if (strcmp(method, "ACK") == 0) {
		free(head);
		return;
	}
	if (strcmp(method, "CANCEL") == 0) {
		reply_to(head, 200, "OK", "", 0);
		char cid[256] = "", qc[256];
		hdr(head, "Call-ID", "i", cid, sizeof cid);
		for (size_t i = 0; i < pr.nq; i++)
			if (strcmp(pr.q[i].method, "INVITE") == 0 &&
			    hdr(pr.q[i].head, "Call-ID", "i", qc, sizeof qc) && strcmp(qc, cid) == 0) {
				reply_to(pr.q[i].head, 487, "Request Terminated", "", 0);
				q_pop(i);
				break;
			}
		free(head);
		return;
	}
	if (strcmp(method, "INVITE") == 0 && !strstr(head, ";tag=fzc"))
		dialog_from_invite(head); /* a new call toward the cloud (not a re-INVITE) */
	if (pr.nq == PEER_PENDING) { /* the oldest goes unanswered: sofia times it out */
		q_pop(0);
	}
	pr.q[pr.nq].head = head;
	snprintf(pr.q[pr.nq].method, sizeof pr.q[pr.nq].method, "%s", method);
	pr.nq++;
}

static void peer_reply(int status, const char *arg, const char *rest, size_t rl)
{
	const char *phrase = arg + strspn(arg, "-0123456789");

	if (!pr.nq)
		return;
	if (status < 100 || status > 699)
		status = 100 + (int)((unsigned)status % 600);
	while (*phrase == ' ')
		phrase++;
	reply_to(pr.q[0].head, status, *phrase ? phrase : "Fz", rest, rl);
	if (status >= 200)
		q_pop(0);
}

static void peer_request(const char *method, const char *rest, size_t rl)
{
	if (!pr.d_call_id[0] || !pr.d_target[0])
		return;
	send_request(method[0] ? method : "BYE", pr.d_target, rest, rl);
}

static void peer_invite(const char *number, const char *rest, size_t rl)
{
	char ruri[128];

	snprintf(pr.d_call_id, sizeof pr.d_call_id, "fzc%u@cloud", ++pr.serial);
	snprintf(pr.d_ours, sizeof pr.d_ours, "<sip:cloud-user@127.0.0.1>;tag=fzi%u", pr.serial);
	snprintf(pr.d_theirs, sizeof pr.d_theirs, "<sip:%s@127.0.0.1>", number[0] ? number : "100");
	snprintf(ruri, sizeof ruri, "sip:%s@127.0.0.1;transport=tls", number[0] ? number : "100");
	snprintf(pr.d_target, sizeof pr.d_target, "%s", ruri);
	pr.d_cseq = 0;
	send_request("INVITE", ruri, rest, rl);
}

/* what is still asked of the cloud: INVITEs refused, the rest taken */
static void peer_answer_all(void)
{
	while (pr.nq) {
		bool inv = strcmp(pr.q[0].method, "INVITE") == 0;
		reply_to(pr.q[0].head, inv ? 486 : 200, inv ? "Busy Here" : "OK", "", 0);
		q_pop(0);
	}
}

#endif
