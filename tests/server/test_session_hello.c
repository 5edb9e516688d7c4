// SPDX-License-Identifier: MIT
/*
 * test_session_hello - the HELLO exchange of a session (sess_run() on a
 * socketpair).
 *
 * Checks: the reply carries this protocol's magic and version, this
 * kperfd's feature bits and the host's facts as the kernel gives them
 * (uname, online CPUs); a second HELLO is answered alike; a malformed
 * HELLO is answered EBADMSG and the session goes on; a HELLO of another
 * version or magic is answered EPROTONOSUPPORT, naming both, and the
 * session ends.
 */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "helpers.h"

#define FEATURES	(PROTO_FEAT_STREAM | PROTO_FEAT_RR |		\
			 PROTO_FEAT_SAMPLES | PROTO_FEAT_TCP_OPTS |	\
			 PROTO_FEAT_DATAPATH | PROTO_FEAT_TLS |		\
			 PROTO_FEAT_WAITALL | PROTO_FEAT_BIDIR)
#define HOSTNAME_OFF	88	/* of the HELLO body */

static void check_reply(const struct proto_hello *m)
{
	struct utsname u;
	unsigned int c, online = 0;

	uname(&u);
	T_EQ(m->magic, PROTO_MAGIC);
	T_EQ(m->version, PROTO_VERSION);
	T_EQ(m->features, FEATURES);
	T_CHECK(!strncmp(m->kernel, u.release, PROTO_NAME_LEN), "kernel %s",
		m->kernel);
	T_CHECK(!strncmp(m->hostname, u.nodename, PROTO_NAME_LEN),
		"hostname %s", m->hostname);
	for (c = 0; c < m->ncpus; c++)
		online += (m->online[c / 64] >> (c % 64)) & 1;
	T_EQ(online, m->n_online);
	T_EQ(m->n_online, sysconf(_SC_NPROCESSORS_ONLN));
	T_CHECK(m->ncpus >= m->n_online, "%u CPUs", m->ncpus);
}

/* A HELLO that the session must refuse and then end. */
static void check_refused(uint32_t magic, uint16_t version)
{
	struct proto_hello m = { .magic = magic, .version = version,
				 .ncpus = 1, .n_online = 1, .online = { 1 } };
	struct proto_wr w;
	struct tsess s;

	ts_start(&s);
	proto_enc_hello(&w, ts_wr(&s, &w), 0, &m);
	ts_send(&s, &w);
	ts_expect_error(&s, EPROTONOSUPPORT, "kperfd speaks 0x4b504652 "
			"version 1");
	T_EQ(ts_read(&s), -ECONNRESET);	/* the session is over */
	T_EQ(ts_end(&s), 0);
}

int main(void)
{
	struct proto_hello m = { .magic = PROTO_MAGIC,
				 .version = PROTO_VERSION, .ncpus = 1,
				 .n_online = 1, .online = { 1 },
				 .hostname = "test" };
	struct proto_hello rep;
	struct proto_wr w;
	struct tsess s;
	int fds0;

	t_init("test_session_hello");
	fds0 = t_count_fds();
	ts_start(&s);
	T_EQ(ts_hello(&s, &rep), 0);
	check_reply(&rep);
	T_EQ(s.h.id, s.id);
	T_EQ(ts_hello(&s, &rep), 0);
	check_reply(&rep);

	/* A byte after the host name's NUL. */
	proto_enc_hello(&w, ts_wr(&s, &w), 0, &m);
	w.buf[PROTO_HDR_LEN + HOSTNAME_OFF + 10] = 'x';
	ts_send(&s, &w);
	ts_expect_error(&s, EBADMSG, "malformed HELLO");
	T_EQ(ts_hello(&s, NULL), 0);
	T_EQ(ts_end(&s), 0);

	check_refused(PROTO_MAGIC, PROTO_VERSION + 1);
	check_refused(PROTO_MAGIC ^ 1, PROTO_VERSION);
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
