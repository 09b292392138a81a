/*
 * flashfile.c — the simulated flash chip's contents as a file: created
 * erased (0xFF) at the flash size, mapped shared so every write the device
 * model makes is in the file (and survives the run), synced on close.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "util.h"

struct sim_flashfile {
	uint8_t *data;
	size_t size;
};

static int
sim_flashfile_fill(int fd, size_t size)
{
	uint8_t buf[65536];
	size_t done = 0;

	memset(buf, 0xFF, sizeof(buf));
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		ssize_t w = pwrite(fd, buf, n, (off_t)done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

struct sim_flashfile *
sim_flashfile_open(const char *path, size_t size, int *created, char *err, size_t errlen)
{
	struct sim_flashfile *ff;
	struct stat st;
	void *p;
	int fd;

	*created = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		if (sim_flashfile_fill(fd, size) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		*created = 1;
	} else if ((uint64_t)st.st_size != size) {
		snprintf(err, errlen, "%s: holds %lld bytes, not the flash size %zu "
		    "(pass --flash-size to match it, or remove the file)", path,
		    (long long)st.st_size, size);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	ff = xcalloc(1, sizeof(*ff));
	ff->data = p;
	ff->size = size;
	return ff;
}

uint8_t *
sim_flashfile_data(struct sim_flashfile *ff)
{
	return ff->data;
}

size_t
sim_flashfile_size(const struct sim_flashfile *ff)
{
	return ff->size;
}

void
sim_flashfile_close(struct sim_flashfile *ff)
{
	if (ff == NULL)
		return;
	msync(ff->data, ff->size, MS_SYNC);
	munmap(ff->data, ff->size);
	free(ff);
}
