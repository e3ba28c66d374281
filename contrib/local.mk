# contrib/local.mk -- example configs (one simple, one with every kind of network), an example
# on_startup program, a script making the TLS example's certificates, and the systemd unit.
# `make install` installs the unit (paths substituted) and the configs: keel.json as
# $(sysconfdir)/keel/keel.json unless one is there already, every file under $(docdir)/examples.
EXTRA_DIST += contrib/keel.service.in contrib/keel.json contrib/keel-networks.json contrib/announce.sh \
	contrib/make-example-certs.sh contrib/twemproxy.yml

systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = contrib/keel.service
CLEANFILES += contrib/keel.service

contrib/keel.service: $(srcdir)/contrib/keel.service.in Makefile
	@$(MKDIR_P) contrib
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		-e 's|@localstatedir[@]|$(localstatedir)|g' $(srcdir)/contrib/keel.service.in > $@

examplesdir = $(docdir)/examples
examples_DATA = contrib/keel.json contrib/keel-networks.json contrib/twemproxy.yml
examples_SCRIPTS = contrib/announce.sh contrib/make-example-certs.sh

install-data-local:
	$(MKDIR_P) $(DESTDIR)$(sysconfdir)/keel
	test -f $(DESTDIR)$(sysconfdir)/keel/keel.json || \
		$(INSTALL_DATA) $(srcdir)/contrib/keel.json $(DESTDIR)$(sysconfdir)/keel/keel.json

uninstall-local:
	rm -f $(DESTDIR)$(sysconfdir)/keel/keel.json
	-rmdir $(DESTDIR)$(sysconfdir)/keel
