-- CreateTable
CREATE TABLE "ConsistencyRun" (
    "id" SERIAL NOT NULL,
    "regionId" INTEGER NOT NULL,
    "trigger" TEXT NOT NULL,
    "staffUserId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "checked" INTEGER NOT NULL DEFAULT 0,
    "found" INTEGER NOT NULL DEFAULT 0,
    "opened" INTEGER NOT NULL DEFAULT 0,
    "resolved" INTEGER NOT NULL DEFAULT 0,
    "tasksOpened" INTEGER NOT NULL DEFAULT 0,
    "byRule" JSONB NOT NULL DEFAULT '{}',
    "timings" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "ConsistencyRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsistencyFinding" (
    "id" SERIAL NOT NULL,
    "rule" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" INTEGER NOT NULL,
    "workerId" INTEGER,
    "householdId" INTEGER NOT NULL,
    "villageId" INTEGER NOT NULL,
    "townshipId" INTEGER NOT NULL,
    "countyId" INTEGER NOT NULL,
    "cityId" INTEGER NOT NULL,
    "provinceId" INTEGER NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "foundAt" TIMESTAMP(3) NOT NULL,
    "foundRunId" INTEGER NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "resolvedRunId" INTEGER,

    CONSTRAINT "ConsistencyFinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsistencyTally" (
    "villageId" INTEGER NOT NULL,
    "townshipId" INTEGER NOT NULL,
    "countyId" INTEGER NOT NULL,
    "cityId" INTEGER NOT NULL,
    "provinceId" INTEGER NOT NULL,
    "records" INTEGER NOT NULL,
    "consistent" INTEGER NOT NULL,
    "runId" INTEGER NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConsistencyTally_pkey" PRIMARY KEY ("villageId")
);

-- CreateIndex
CREATE INDEX "ConsistencyRun_regionId_id_idx" ON "ConsistencyRun"("regionId", "id");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_entity_entityId_rule_idx" ON "ConsistencyFinding"("entity", "entityId", "rule");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_villageId_resolvedAt_idx" ON "ConsistencyFinding"("villageId", "resolvedAt");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_townshipId_resolvedAt_idx" ON "ConsistencyFinding"("townshipId", "resolvedAt");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_countyId_resolvedAt_idx" ON "ConsistencyFinding"("countyId", "resolvedAt");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_cityId_resolvedAt_idx" ON "ConsistencyFinding"("cityId", "resolvedAt");

-- CreateIndex
CREATE INDEX "ConsistencyFinding_provinceId_resolvedAt_idx" ON "ConsistencyFinding"("provinceId", "resolvedAt");

-- CreateIndex
CREATE INDEX "ConsistencyTally_countyId_idx" ON "ConsistencyTally"("countyId");

-- CreateIndex
CREATE INDEX "ConsistencyTally_provinceId_idx" ON "ConsistencyTally"("provinceId");
