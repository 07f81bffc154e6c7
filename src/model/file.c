/**
 * @file file.c
 * @brief File objects of the POSIX model: a HANDLE for a file descriptor.
 *
 * Association belongs to the file object, not to a handle value, and lasts
 * until the file is closed; the file holds a reference to its port (not a
 * handle), so a port whose handle is closed lives on, unseen, until its
 * associated files are closed too.  Overlapped I/O on these handles is not
 * modelled yet.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

struct model__file {
  struct model__object hdr;
  int fd;
  DWORD flags;
  pthread_mutex_t lock;
  struct model__object *port; /* NULL until associated */
  ULONG_PTR key;
};

static void file_close(struct model__object *obj) {
  struct model__file *file = (struct model__file *)obj;
  close(file->fd);
}

static void file_destroy(struct model__object *obj) {
  struct model__file *file = (struct model__file *)obj;
  if (file->port != NULL) model__object_release(file->port);
  pthread_mutex_destroy(&file->lock);
  free(file);
}

/** @satisfies{OS-FILE-1} */
HANDLE iocp_model_handle_from_fd(int fd, DWORD flags) {
  if (fd < 0 || (flags & ~FILE_FLAG_OVERLAPPED) != 0) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  struct model__file *file = model__malloc(sizeof *file);
  if (file == NULL) {
    SetLastError(ERROR_NO_SYSTEM_RESOURCES);
    return NULL;
  }
  *file = (struct model__file){.hdr = {.type = MODEL__FILE}, .fd = fd, .flags = flags};
  atomic_init(&file->hdr.refs, 1);
  file->hdr.close = file_close;
  file->hdr.destroy = file_destroy;
  pthread_mutex_init(&file->lock, NULL);
  HANDLE handle = model__handle_insert(&file->hdr);
  if (handle == NULL) {
    pthread_mutex_destroy(&file->lock);
    free(file);
  }
  return handle;
}

DWORD model__file_associate(HANDLE handle, struct model__object *port, ULONG_PTR key) {
  struct model__file *file = (struct model__file *)model__handle_get(handle, MODEL__FILE);
  if (file == NULL) return ERROR_INVALID_HANDLE;
  DWORD error = ERROR_INVALID_PARAMETER;
  pthread_mutex_lock(&file->lock);
  if ((file->flags & FILE_FLAG_OVERLAPPED) != 0 && file->port == NULL) {
    model__object_retain(port);
    file->port = port;
    file->key = key;
    error = 0;
  }
  pthread_mutex_unlock(&file->lock);
  model__object_release(&file->hdr);
  return error;
}
