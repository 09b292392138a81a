/*
 * serial.c — real serial adapters through libserialport (see serial.h).
 * The only file that includes <libserialport.h>.
 *
 * libserialport errors are translated at the boundary: sp_last_error_code()
 * / sp_last_error_message() are read right after the failing call. The
 * fd from sp_get_port_handle() is switched to non-blocking so the proxy's
 * poll loop can read and write it directly.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libserialport.h>

#include "serial.h"
#include "util.h"

struct serial_port {
	struct sp_port	*port;
	int		 fd;
};

const char *
serial_transport_name(enum serial_transport t)
{
	switch (t) {
	case SERIAL_TRANSPORT_USB:
		return "usb";
	case SERIAL_TRANSPORT_BLUETOOTH:
		return "bluetooth";
	case SERIAL_TRANSPORT_NATIVE:
		break;
	}
	return "native";
}

static char *
serial_dup(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

int
serial_list(struct serial_info **out, char *err, size_t errlen)
{
	struct sp_port **ports;
	struct serial_info *list;
	int n, i, vid, pid, bus, addr;
	char *msg;

	*out = NULL;
	if (sp_list_ports(&ports) != SP_OK) {
		msg = sp_last_error_message();
		snprintf(err, errlen, "cannot list serial ports: %s", msg != NULL ? msg : "unknown error");
		sp_free_error_message(msg);
		return -1;
	}
	for (n = 0; ports[n] != NULL; n++)
		;
	list = xcalloc((size_t)n + 1, sizeof(*list));
	for (i = 0; i < n; i++) {
		struct serial_info *si = &list[i];
		struct sp_port *p = ports[i];

		si->name = serial_dup(sp_get_port_name(p));
		si->description = serial_dup(sp_get_port_description(p));
		si->bus = si->address = -1;
		switch (sp_get_port_transport(p)) {
		case SP_TRANSPORT_USB:
			si->transport = SERIAL_TRANSPORT_USB;
			break;
		case SP_TRANSPORT_BLUETOOTH:
			si->transport = SERIAL_TRANSPORT_BLUETOOTH;
			break;
		default:
			si->transport = SERIAL_TRANSPORT_NATIVE;
			break;
		}
		if (si->transport == SERIAL_TRANSPORT_USB &&
		    sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
			si->usb = 1;
			si->vid = (uint16_t)vid;
			si->pid = (uint16_t)pid;
			if (sp_get_port_usb_bus_address(p, &bus, &addr) == SP_OK) {
				si->bus = bus;
				si->address = addr;
			}
		}
		si->serial = serial_dup(si->usb ? sp_get_port_usb_serial(p) : NULL);
		si->manufacturer = serial_dup(si->usb ? sp_get_port_usb_manufacturer(p) : NULL);
		si->product = serial_dup(si->usb ? sp_get_port_usb_product(p) : NULL);
	}
	sp_free_port_list(ports);
	*out = list;
	return n;
}

void
serial_list_free(struct serial_info *list, int n)
{
	int i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].description);
		free(list[i].serial);
		free(list[i].manufacturer);
		free(list[i].product);
	}
	free(list);
}

static int
serial_hex16(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 4)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = (uint16_t)v;
	return 0;
}

int
serial_parse_usb(const char *spec, struct serial_usb_spec *out, char *err, size_t errlen)
{
	const char *p, *q;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(spec, "usb:", 4) != 0)
		return 0;
	p = spec + 4;
	q = strchr(p, ':');
	if (q == NULL || serial_hex16(p, (size_t)(q - p), &out->vid) == -1)
		goto bad;
	p = q + 1;
	q = strchr(p, ':');
	if (serial_hex16(p, q != NULL ? (size_t)(q - p) : strlen(p), &out->pid) == -1)
		goto bad;
	if (q != NULL) {
		if (strlen(q + 1) >= sizeof(out->serial) || q[1] == '\0')
			goto bad;
		snprintf(out->serial, sizeof(out->serial), "%s", q + 1);
	}
	return 1;
bad:
	snprintf(err, errlen, "%s: bad USB device spec (want usb:VID:PID[:SERIAL], hex, e.g. usb:10c4:ea60)",
	    spec);
	return -1;
}

/* Append "a, b, c" of the ports of interest (USB only when usb_only) to buf. */
static void
serial_describe_ports(char *buf, size_t size, int usb_only)
{
	struct serial_info *list;
	char e[128];
	size_t len;
	int n, i, shown = 0;

	n = serial_list(&list, e, sizeof(e));
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		if (list[i].transport == SERIAL_TRANSPORT_NATIVE)
			continue;	/* on-board UARTs: mostly consoles, never suggested */
		if (usb_only && !list[i].usb)
			continue;
		len = strlen(buf);
		if (list[i].usb)
			snprintf(buf + len, size - len, "%s%s (usb:%04x:%04x%s%s)", shown ? ", " : "",
			    list[i].name, list[i].vid, list[i].pid, *list[i].serial ? ":" : "",
			    list[i].serial);
		else
			snprintf(buf + len, size - len, "%s%s", shown ? ", " : "", list[i].name);
		shown++;
	}
	len = strlen(buf);
	if (shown == 0)
		snprintf(buf + len, size - len, "none");
	serial_list_free(list, n);
}

int
serial_find_usb(const struct serial_usb_spec *spec, char *name, size_t size, char *err,
    size_t errlen)
{
	struct serial_info *list;
	int n, i, found = -1;
	size_t len;

	n = serial_list(&list, err, errlen);
	if (n < 0)
		return -1;
	for (i = 0; i < n && found == -1; i++) {
		if (!list[i].usb || list[i].vid != spec->vid || list[i].pid != spec->pid)
			continue;
		if (spec->serial[0] != '\0' && strcmp(spec->serial, list[i].serial) != 0)
			continue;
		snprintf(name, size, "%s", list[i].name);
		found = 0;
	}
	serial_list_free(list, n);
	if (found == -1) {
		snprintf(err, errlen, "no USB serial port %04x:%04x%s%s; USB serial ports: ",
		    spec->vid, spec->pid, spec->serial[0] ? " with serial " : "", spec->serial);
		len = strlen(err);
		serial_describe_ports(err + len, errlen - len, 1);
	}
	return found;
}

int
serial_exists(const char *name)
{
	struct sp_port *p;

	if (sp_get_port_by_name(name, &p) != SP_OK)
		return 0;
	sp_free_port(p);
	return 1;
}

/* "pid N (comm)" into buf. */
static void
serial_pid_name(long pid, char *buf, size_t size)
{
	char p[64], comm[64];
	FILE *fp;

	comm[0] = '\0';
	snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
	if ((fp = fopen(p, "r")) != NULL) {
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
	}
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(buf, size, "pid %ld%s%s%s", pid, *comm ? " (" : "", comm, *comm ? ")" : "");
}

/*
 * The process holding an flock on `path` (how sliptap and pySerial's
 * exclusive=True claim a port), from /proc/locks: "1: FLOCK ADVISORY WRITE
 * PID MAJ:MIN:INODE 0 EOF". This names the right process even when others
 * (a simulator keeping its own pty slave) have the node open too.
 */
static int
serial_lock_holder(const char *path, char *buf, size_t size)
{
	struct stat st;
	char line[256], *f;
	unsigned maj, min;
	unsigned long ino;
	long pid;
	FILE *fp;
	int found = -1;

	if (stat(path, &st) == -1 || (fp = fopen("/proc/locks", "r")) == NULL)
		return -1;
	while (found == -1 && fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "->") != NULL || (f = strstr(line, "FLOCK")) == NULL)
			continue;
		if (sscanf(f, "FLOCK %*s %*s %ld %x:%x:%lu", &pid, &maj, &min, &ino) != 4)
			continue;
		if (ino != st.st_ino || makedev(maj, min) != st.st_dev || pid == getpid())
			continue;
		serial_pid_name(pid, buf, size);
		found = 0;
	}
	fclose(fp);
	return found;
}

/* "PID (comm)" of a process holding `path` open, into buf; 0 found, -1 not. */
static int
serial_find_holder(const char *path, char *buf, size_t size)
{
	struct stat want, st;
	struct dirent *de, *fe;
	DIR *proc, *fds;
	char p[PATH_MAX], comm[64];
	FILE *fp;
	int found = -1;
	size_t n;

	if (stat(path, &want) == -1 || (proc = opendir("/proc")) == NULL)
		return -1;
	while (found == -1 && (de = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) || atoi(de->d_name) == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%s/fd", de->d_name);
		if ((fds = opendir(p)) == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			snprintf(p, sizeof(p), "/proc/%s/fd/%s", de->d_name, fe->d_name);
			if (fe->d_name[0] == '.' || stat(p, &st) == -1)
				continue;
			if (st.st_rdev != want.st_rdev || !S_ISCHR(st.st_mode))
				continue;
			comm[0] = '\0';
			snprintf(p, sizeof(p), "/proc/%s/comm", de->d_name);
			if ((fp = fopen(p, "r")) != NULL) {
				if (fgets(comm, sizeof(comm), fp) == NULL)
					comm[0] = '\0';
				fclose(fp);
			}
			n = strcspn(comm, "\n");
			comm[n] = '\0';
			snprintf(buf, size, "pid %s%s%s%s", de->d_name, *comm ? " (" : "", comm,
			    *comm ? ")" : "");
			found = 0;
			break;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

void
serial_explain_open_error(const char *path, int err_no, char *msg, size_t size)
{
	struct stat st;
	struct group *gr;
	char who[512];
	size_t len;

	switch (err_no) {
	case EBUSY:
		if (serial_lock_holder(path, who, sizeof(who)) == 0 ||
		    serial_find_holder(path, who, sizeof(who)) == 0)
			snprintf(msg, size, "%s: port busy: held by %s", path, who);
		else
			snprintf(msg, size, "%s: port busy (another program has it open)", path);
		break;
	case EACCES:
	case EPERM:
		if (stat(path, &st) == 0 && (gr = getgrgid(st.st_gid)) != NULL && st.st_gid != 0)
			snprintf(msg, size, "%s: permission denied: join the '%s' group "
			    "(sudo usermod -aG %s $USER, then log in again)", path, gr->gr_name,
			    gr->gr_name);
		else
			snprintf(msg, size, "%s: permission denied", path);
		break;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		snprintf(msg, size, "%s: no such port; serial ports: ", path);
		len = strlen(msg);
		serial_describe_ports(msg + len, size - len, 0);
		break;
	default:
		snprintf(msg, size, "%s: %s", path, strerror(err_no));
		break;
	}
}

/* Translate the last libserialport failure into err. */
static void
serial_sp_error(const char *name, const char *what, enum sp_return rc, char *err, size_t errlen)
{
	char *m;
	int e;

	if (rc == SP_ERR_FAIL) {
		e = sp_last_error_code();
		if (e == EBUSY || e == EACCES || e == EPERM || e == ENOENT || e == ENODEV ||
		    e == ENXIO) {
			serial_explain_open_error(name, e, err, errlen);
			return;
		}
		m = sp_last_error_message();
		snprintf(err, errlen, "%s: %s: %s", name, what, m != NULL ? m : "failed");
		sp_free_error_message(m);
		return;
	}
	snprintf(err, errlen, "%s: %s: %s", name, what,
	    rc == SP_ERR_ARG ? "invalid argument" : rc == SP_ERR_SUPP ? "not supported" :
	    rc == SP_ERR_MEM ? "out of memory" : "failed");
}

struct serial_port *
serial_open(const char *name, uint32_t baud, char *err, size_t errlen)
{
	struct serial_port *sp;
	struct sp_port *p;
	enum sp_return rc;
	int fd, fl;

	if (sp_get_port_by_name(name, &p) != SP_OK) {
		/* Distinguish "not there" from "there but not a serial port libserialport knows". */
		if (access(name, F_OK) == -1)
			serial_explain_open_error(name, ENOENT, err, errlen);
		else
			snprintf(err, errlen, "%s: not a serial port libserialport knows", name);
		return NULL;
	}
	if ((rc = sp_open(p, SP_MODE_READ_WRITE)) != SP_OK) {
		serial_sp_error(name, "open", rc, err, errlen);
		sp_free_port(p);
		return NULL;
	}
	if ((rc = sp_set_bits(p, 8)) != SP_OK || (rc = sp_set_parity(p, SP_PARITY_NONE)) != SP_OK ||
	    (rc = sp_set_stopbits(p, 1)) != SP_OK ||
	    (rc = sp_set_flowcontrol(p, SP_FLOWCONTROL_NONE)) != SP_OK ||
	    (baud != 0 && (rc = sp_set_baudrate(p, (int)baud)) != SP_OK)) {
		serial_sp_error(name, "configure", rc, err, errlen);
		sp_close(p);
		sp_free_port(p);
		return NULL;
	}
	if (sp_get_port_handle(p, &fd) != SP_OK) {
		snprintf(err, errlen, "%s: no OS handle", name);
		sp_close(p);
		sp_free_port(p);
		return NULL;
	}
	/*
	 * Linux lets two processes open a tty at once; exclusivity is what
	 * esptool relies on (pySerial's exclusive=True uses flock). Hold the
	 * same flock on our fd for as long as the port is open, so a second
	 * opener is told "busy" (and by whom), never given garbled data.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK) {
		sp_close(p);
		sp_free_port(p);
		serial_explain_open_error(name, EBUSY, err, errlen);
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	sp = xcalloc(1, sizeof(*sp));
	sp->port = p;
	sp->fd = fd;
	return sp;
}

int
serial_fd(const struct serial_port *sp)
{
	return sp->fd;
}

int
serial_set_baud(struct serial_port *sp, uint32_t baud, char *err, size_t errlen)
{
	enum sp_return rc;

	if ((rc = sp_set_baudrate(sp->port, (int)baud)) != SP_OK) {
		serial_sp_error(sp_get_port_name(sp->port), "set baud", rc, err, errlen);
		return -1;
	}
	return 0;
}

int
serial_set_lines(struct serial_port *sp, int dtr, int rts, char *err, size_t errlen)
{
	enum sp_return rc = SP_OK;

	if (dtr != -1)
		rc = sp_set_dtr(sp->port, dtr ? SP_DTR_ON : SP_DTR_OFF);
	if (rc == SP_OK && rts != -1)
		rc = sp_set_rts(sp->port, rts ? SP_RTS_ON : SP_RTS_OFF);
	if (rc != SP_OK) {
		serial_sp_error(sp_get_port_name(sp->port), "set DTR/RTS", rc, err, errlen);
		return -1;
	}
	return 0;
}

void
serial_close(struct serial_port *sp)
{
	if (sp == NULL)
		return;
	sp_close(sp->port);
	sp_free_port(sp->port);
	free(sp);
}
