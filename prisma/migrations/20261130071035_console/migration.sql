-- CreateTable
CREATE TABLE "ConsoleSession" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "staffUserId" INTEGER NOT NULL,
    "regionId" INTEGER,
    "language" TEXT NOT NULL DEFAULT 'zh-CN',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "userAgent" TEXT,

    CONSTRAINT "ConsoleSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignInLink" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "staffUserId" INTEGER NOT NULL,
    "purpose" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignInLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RegionFigures" (
    "regionId" INTEGER NOT NULL,
    "workers" INTEGER NOT NULL,
    "withLabor" INTEGER NOT NULL,
    "employed" INTEGER NOT NULL,
    "unemployed" INTEGER NOT NULL,
    "stale" INTEGER NOT NULL,
    "households" INTEGER NOT NULL,
    "zeroHouseholds" INTEGER NOT NULL,
    "zeroHouseholdDays" BIGINT NOT NULL,
    "willingWorkers" INTEGER NOT NULL,
    "willingServed" INTEGER NOT NULL,
    "zeroServed" INTEGER NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RegionFigures_pkey" PRIMARY KEY ("regionId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ConsoleSession_tokenHash_key" ON "ConsoleSession"("tokenHash");

-- CreateIndex
CREATE INDEX "ConsoleSession_staffUserId_idx" ON "ConsoleSession"("staffUserId");

-- CreateIndex
CREATE UNIQUE INDEX "SignInLink_tokenHash_key" ON "SignInLink"("tokenHash");

-- CreateIndex
CREATE INDEX "SignInLink_staffUserId_idx" ON "SignInLink"("staffUserId");

-- AddForeignKey
ALTER TABLE "ConsoleSession" ADD CONSTRAINT "ConsoleSession_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignInLink" ADD CONSTRAINT "SignInLink_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegionFigures" ADD CONSTRAINT "RegionFigures_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
