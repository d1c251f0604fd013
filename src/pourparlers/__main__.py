from pourparlers.cli import main

raise SystemExit(main())
